// The layout check of `placard print` and `placard check` (src/print/export.rs runs it in Chromium):
// every sheet of a print page is measured after the page's fitting script has run. Reported, in mm:
// text or pictures outside the safe area, poster text that does not fit even at the smallest size,
// text over a QR code, anything clipped by an element that hides its overflow, a main number shorter
// than the sheet needs, type under a QR code below 4 mm, and letters longer than two pages.
(async () => {
  if (window.placardReady) await window.placardReady;
  const MM = 96 / 25.4;
  const round = (mm) => Math.round(mm * 10) / 10;
  const snippet = (node) => (node.textContent || node.getAttribute?.("aria-label") || "").replace(/\s+/g, " ").trim();
  const sheets = [];
  for (const el of document.querySelectorAll("[data-kind]")) {
    const d = el.dataset;
    const worst = new Map();
    // Keeps the worst distance for each kind of problem, with the text it concerns.
    const add = (what, px, text) => {
      const mm = px / MM;
      if (mm <= 0.2) return;
      const seen = worst.get(what);
      if (!seen || seen.mm < mm) worst.set(what, { what, mm, text: text || "" });
    };
    const box = el.getBoundingClientRect();
    let safe;
    // Every kind but letters is a fixed sheet with a trim and a safe area.
    const fixed = d.kind !== "letter";
    if (fixed) {
      const trim = (el.querySelector(".trim") || el).getBoundingClientRect();
      const s = Number(d.safe) * MM;
      safe = { left: trim.left + s, top: trim.top + s, right: trim.right - s, bottom: trim.bottom - s };
    } else {
      // A letter flows over pages: its safe area is the page's type area, across the sheet.
      const cs = getComputedStyle(el);
      safe = { left: box.left + parseFloat(cs.paddingLeft), right: box.right - parseFloat(cs.paddingRight), top: -Infinity, bottom: Infinity };
    }
    const qrs = [...el.querySelectorAll(".qr-code svg")].map((svg) => svg.getBoundingClientRect());
    const outside = (r, text) => {
      add("safe-left", safe.left - r.left, text);
      add("safe-right", r.right - safe.right, text);
      add("safe-top", safe.top - r.top, text);
      add("safe-bottom", r.bottom - safe.bottom, text);
    };
    // Text, line by line.
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim() || n.parentElement.closest("script, style, .qr-download")) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const inQr = n.parentElement.closest(".qr-code");
      for (const r of range.getClientRects()) {
        if (r.width === 0 || r.height === 0) continue;
        outside(r, snippet(n));
        if (!inQr) {
          for (const q of qrs) {
            const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
            const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
            if (w > 0 && h > 0) add("qr", Math.min(w, h), snippet(n));
          }
        }
      }
    }
    // Pictures: QR codes, seals and images must stay inside too.
    for (const pic of el.querySelectorAll("svg, img")) {
      if (pic.closest(".band, .crop")) continue;
      outside(pic.getBoundingClientRect(), pic.getAttribute("aria-label") || pic.getAttribute("alt") || "picture");
    }
    // Anything an element hides: overflow other than visible, with content larger than the box.
    for (const e of el.querySelectorAll("*")) {
      const cs = getComputedStyle(e);
      if (cs.overflowX === "visible" && cs.overflowY === "visible" && cs.textOverflow !== "ellipsis") continue;
      const over = Math.max(e.scrollHeight - e.clientHeight, e.scrollWidth - e.clientWidth);
      if (over > 1) add("clip", over, snippet(e));
    }
    if (fixed) {
      const fit = el.querySelector(".fit"), body = el.querySelector(".poster-body");
      if (fit && body) add("fit", body.getBoundingClientRect().height - fit.getBoundingClientRect().height, "");
    } else {
      // The fitting script paginates the letter as print does; past two pages it says by how much.
      add("pages", Number(d.overMm || 0) * MM, "");
    }
    // The main number: the height of its digits, drawn in the font the page uses.
    let leadCap = null;
    const lead = el.querySelector(".lead-number");
    if (lead) {
      const cs = getComputedStyle(lead);
      const ctx = document.createElement("canvas").getContext("2d");
      ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const m = ctx.measureText("0123456789");
      leadCap = m.actualBoundingBoxAscent / MM;
      const need = Number(d.cap);
      if (leadCap < need - 0.05) worst.set("lead", { what: "lead", mm: need - leadCap, text: round(leadCap).toFixed(1) });
    }
    // Type under QR codes: at least 4 mm on posters, 3 mm on letters.
    const minType = d.kind === "letter" ? 3 : d.kind === "card" ? 3 : 4;
    for (const cap of el.querySelectorAll(".qr-code figcaption > span")) {
      const size = parseFloat(getComputedStyle(cap).fontSize) / MM;
      if (size < minType - 0.05 && !worst.has("qr-type")) worst.set("qr-type", { what: "qr-type", mm: minType - size, text: round(size).toFixed(1) });
    }
    // Type sizes (font size, mm) that the design promises relative to each other.
    const size = (sel) => Math.max(0, ...[...el.querySelectorAll(sel)].map((e) => parseFloat(getComputedStyle(e).fontSize) / MM));
    sheets.push({
      sizes: { slogan: size(".poster-body h1"), lead: size(".lead-number"), secondary: size(".poster-channels strong, .emergency strong"), body: size(".poster-body p"), qrCaption: size(".qr-code figcaption > span") },
      kind: d.kind,
      item: d.item,
      unit: d.unit,
      unitName: d.unitName,
      trimW: Number(d.trimW),
      trimH: Number(d.trimH),
      bleed: Number(d.bleed),
      slug: Number(d.slug),
      safe: Number(d.safe || 0),
      problems: [...worst.values()].map((p) => ({ what: p.what, mm: round(p.mm), text: p.text })),
      leadCapMm: leadCap,
      fit: d.fit ? Number(d.fit) : null,
    });
  }
  return JSON.stringify(sheets);
})()
