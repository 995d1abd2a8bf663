/* placard 站内搜索：只下载查询用到的索引分片，只请求本站。格式与排序见 src/search.rs，须一致。ES5。 */
(function () {
'use strict';
var form = document.getElementById('search-form');
var input = document.getElementById('search-q');
var status = document.getElementById('search-status');
var box = document.getElementById('search-results');
if (!form || !input || !status || !box) return;
// 提示语跟随页面语言：英文页用英文，其他语言用中文（与主题的 trans 一致）。
var EN = /^en/i.test(document.documentElement.lang || '');
var T = EN ? {
  old: 'This browser is too old to search; please browse by section.',
  file: 'Search does not work in the offline copy: browse by section, or open the website.',
  more: function (n) { return 'Show more results (' + n + ' left)'; },
  empty: 'Type a word or a number.',
  busy: 'Searching…',
  none: function (q) { return 'Nothing found for "' + q + '". Try fewer or other words.'; },
  partial: function (n) { return 'No page has all the words; these ' + n + ' have some of them.'; },
  found: function (n) { return n + (n === 1 ? ' result.' : ' results.'); },
  failed: 'Search failed: the network is down, please try again later.'
} : {
  old: '浏览器版本较旧，无法搜索，请按栏目浏览。',
  file: '离线资料里不能搜索：请按栏目浏览，或者联网后打开网站搜索。',
  more: function (n) { return '显示更多结果（还有 ' + n + ' 条）'; },
  empty: '请输入字词或号码。',
  busy: '正在搜索…',
  none: function (q) { return '没有找到“' + q + '”。可以少输几个字或换个说法。'; },
  partial: function (n) { return '没有全部字词都有的结果，以下 ' + n + ' 条只含部分字词。'; },
  found: function (n) { return '找到 ' + n + ' 条结果。'; },
  failed: '搜索失败：网络不通，请稍后再试。'
};
if (!window.fetch || !window.Promise) {
  status.textContent = T.old;
  return;
}
// 离线包里的网页从文件打开，浏览器不允许脚本读取索引文件：直说，不让人空等。
if (location.protocol === 'file:') {
  status.textContent = T.file;
  return;
}
var index = box.getAttribute('data-index');
var root = box.getAttribute('data-base') || '';
var ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
var PAGE = 10;
var cache = {};
var seq = 0;
var current = null;
var letter;
try {
  letter = new RegExp('\\p{Alphabetic}', 'u');
} catch (e) {
  letter = /[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF]/;
}

// 分片缓存在内存里
function get(name) {
  if (!cache[name]) {
    cache[name] = fetch(index + name).then(function (r) {
      if (!r.ok) throw new Error(name + ': ' + r.status);
      return r.json();
    });
    cache[name]['catch'](function () { delete cache[name]; });
  }
  return cache[name];
}

function chars(s) {
  var out = [], i = 0, c;
  while (i < s.length) {
    c = s.charCodeAt(i);
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < s.length) { out.push(s.substr(i, 2)); i += 2; } else { out.push(s.charAt(i)); i += 1; }
  }
  return out;
}
function code(ch) {
  return ch.length > 1 ? (ch.charCodeAt(0) - 0xD800) * 1024 + ch.charCodeAt(1) + 9216 : ch.charCodeAt(0);
}
// 全角转半角，再转小写
function fold(ch) {
  var c = code(ch), l;
  if (c >= 0xFF01 && c <= 0xFF5E) ch = String.fromCharCode(c - 0xFEE0);
  else if (c === 0x3000) ch = ' ';
  l = ch.toLowerCase();
  return chars(l).length === 1 ? l : ch;
}
function cjk(c) {
  return c === 0x3007 || (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
    (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}
// 附在字母上的组合符号（藏文元音符号和下加字、维吾尔文所用阿拉伯文符号、通用附加符号）算作字母，
// 与 src/search/tokens.rs 的 is_word_mark 一致。
function wordMark(c) {
  return (c >= 0x300 && c <= 0x36F) || (c >= 0x610 && c <= 0x61A) || (c >= 0x64B && c <= 0x65F) || c === 0x670 ||
    (c >= 0x6D6 && c <= 0x6DC) || (c >= 0x6DF && c <= 0x6E4) || (c >= 0x6E7 && c <= 0x6E8) || (c >= 0x6EA && c <= 0x6ED) ||
    (c >= 0xF18 && c <= 0xF19) || c === 0xF35 || c === 0xF37 || c === 0xF39 || (c >= 0xF3E && c <= 0xF3F) ||
    (c >= 0xF71 && c <= 0xF84) || (c >= 0xF86 && c <= 0xF87) || (c >= 0xF8D && c <= 0xFBC) || c === 0xFC6 || c === 0x200D;
}
// 1 汉字 2 数字 3 字母 4 连字符；藏文音节点（tsheg）和垂符（shad）分开音节
function kind(ch) {
  var c = code(ch);
  if (c >= 0xF0B && c <= 0xF14) return 0;
  if (wordMark(c)) return 3;
  if (cjk(c)) return 1;
  if (c >= 48 && c <= 57) return 2;
  if (c === 45 || c === 0x2010 || c === 0x2011 || c === 0x2013) return 4;
  return letter.test(ch) ? 3 : 0;
}
// 单字按字查，连续汉字按相邻两字查，字母词和数字整体查
function tokens(q) {
  var list = chars(q), runs = [], prev = 0, run = null, out = [], i, j, ch, k, r;
  for (i = 0; i < list.length; i++) {
    ch = fold(list[i]);
    k = kind(ch);
    if (k >= 1 && k <= 3) {
      if (k === prev) run.push(ch); else { run = [ch]; run.k = k; runs.push(run); }
    }
    prev = k;
  }
  function add(t) { if (out.indexOf(t) < 0) out.push(t); }
  for (i = 0; i < runs.length; i++) {
    r = runs[i];
    if (r.k === 1 && r.length === 1) add(r[0]);
    else if (r.k === 1) for (j = 0; j + 1 < r.length; j++) add(r[j] + r[j + 1]);
    else if (r.length <= 32) add(r.join(''));
  }
  return out;
}

// FNV-1a 32，UTF-8 字节
function fnv(s) {
  var h = 0x811c9dc5, list = chars(s), bytes = [], i, c;
  for (i = 0; i < list.length; i++) {
    c = code(list[i]);
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xC0 | c >> 6, 0x80 | c & 63);
    else if (c < 0x10000) bytes.push(0xE0 | c >> 12, 0x80 | c >> 6 & 63, 0x80 | c & 63);
    else bytes.push(0xF0 | c >> 18, 0x80 | c >> 12 & 63, 0x80 | c >> 6 & 63, 0x80 | c & 63);
  }
  for (i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = (h + (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24)) >>> 0;
  }
  return h >>> 0;
}
function shard(token, n) {
  var s = (fnv(token) % n).toString(16), w = (n - 1).toString(16).length;
  while (s.length < w) s = '0' + s;
  return s;
}

function num(s, p) {
  var v = 0, d;
  do {
    d = ALPHA.indexOf(s.charAt(p.i++));
    if (d < 0) return -1;
    v = v * 32 + (d & 31);
  } while (d >= 32);
  return v;
}
function decode(s, each) {
  var p = { i: 0 }, doc = 0, first = true, ex = {}, v, k, b, d, at, dot, list;
  if (!s) return;
  if (s.charAt(0) === '~') {
    dot = s.search(/[.:]/);
    p.i = dot + 1;
    list = s.charAt(dot) === ':';
    while (!list && p.i < s.length) { doc += num(s, p); ex[doc] = num(s, p); }
    for (k = 1; k < dot; k++) {
      d = ALPHA.indexOf(s.charAt(k));
      for (b = 0; b < 6; b++) if (d & (1 << b)) { at = (k - 1) * 6 + b; each(at, list ? ALPHA.indexOf(s.charAt(p.i++)) : ex[at] || 1); }
    }
    return;
  }
  while (p.i < s.length) {
    v = num(s, p);
    if (v < 0) return;
    doc = (first ? 0 : doc) + Math.floor(v / 2);
    first = false;
    each(doc, v % 2 ? num(s, p) : 1);
  }
}
// 全中的按得分、编号排；无全中时按命中字词数排
function rank(lists) {
  var scores = {}, all = [], full = [], n = lists.length, i, hits, partial;
  function add(doc, w) {
    var e = scores[doc];
    if (!e) { e = scores[doc] = [doc, 0, 0]; all.push(e); }
    e[1] += w;
    e[2] += 1;
  }
  for (i = 0; i < n; i++) decode(lists[i], add);
  for (i = 0; i < all.length; i++) if (all[i][2] === n) full.push(all[i]);
  partial = !full.length && n > 1;
  hits = partial ? all : full;
  hits.sort(function (a, b) { return b[2] - a[2] || b[1] - a[1] || a[0] - b[0]; });
  return { hits: hits, partial: partial };
}

function el(name, cls) {
  var e = document.createElement(name);
  if (cls) e.className = cls;
  return e;
}
function mark(node, text, toks) {
  var list = chars(text), folded = list.map(fold), on = [], i, j, k, t, tk, ok, start, m;
  for (i = 0; i < list.length; i++) on.push(false);
  for (t = 0; t < toks.length; t++) {
    tk = chars(toks[t]);
    for (i = 0; i + tk.length <= folded.length; i++) {
      ok = true;
      for (j = 0; j < tk.length && ok; j++) ok = folded[i + j] === tk[j];
      k = kind(tk[0]);
      if (ok && k !== 1 && ((i > 0 && kind(folded[i - 1]) === k) || (i + tk.length < folded.length && kind(folded[i + tk.length]) === k))) ok = false;
      if (ok) for (j = 0; j < tk.length; j++) on[i + j] = true;
    }
  }
  for (i = 0; i < list.length; i = j) {
    for (j = i; j < list.length && on[j] === on[i]; j++);
    start = list.slice(i, j).join('');
    if (on[i]) { m = el('mark'); m.textContent = start; node.appendChild(m); } else node.appendChild(document.createTextNode(start));
  }
}
function day(d) {
  var m = /^(\d{4})-(\d\d)-(\d\d)/.exec(d || '');
  if (m && EN) return m[1] + '-' + m[2] + '-' + m[3];
  return m ? m[1] + '年' + (+m[2]) + '月' + (+m[3]) + '日' : '';
}
function item(row, toks) {
  var li = el('li', 'search-result'), h = el('h2'), a = el('a'), meta, p, parts = [];
  a.href = root + row[1];
  mark(a, row[0], toks);
  h.appendChild(a);
  li.appendChild(h);
  if (row[2]) parts.push(row[2]);
  if (row[3]) parts.push(day(row[3]));
  if (parts.length) { meta = el('p', 'meta'); meta.textContent = parts.join(' · '); li.appendChild(meta); }
  if (row[4]) { p = el('p'); mark(p, row[4], toks); li.appendChild(p); }
  return li;
}

// 下一批结果：只下载其所在的文档分片
function more() {
  var c = current, my = seq, from = c.shown, slice = c.hits.slice(from, from + PAGE), per = c.meta.docs_per_shard;
  c.shown = from + slice.length;
  return Promise.all(slice.map(function (h) { return get('d/' + Math.floor(h[0] / per) + '.json'); })).then(function (shards) {
    var i, li, first = null, left;
    if (my !== seq) return;
    if (!c.list) { c.list = el('ol', 'list'); box.appendChild(c.list); }
    for (i = 0; i < slice.length; i++) {
      li = item(shards[i][slice[i][0] % per], c.toks);
      c.list.appendChild(li);
      if (!first) first = li;
    }
    left = c.hits.length - c.shown;
    if (left > 0) {
      if (!c.button) {
        c.button = el('button', 'search-more');
        c.button.type = 'button';
        c.button.addEventListener('click', function () {
          more().then(function (added) { if (added) added.querySelector('a').focus(); });
        });
        box.appendChild(c.button);
      }
      c.button.textContent = T.more(left);
    } else if (c.button) {
      box.removeChild(c.button);
      c.button = null;
    }
    return first;
  });
}

function run(q) {
  var my = ++seq, toks = tokens(q);
  current = null;
  while (box.firstChild) box.removeChild(box.firstChild);
  if (!toks.length) { status.textContent = q ? T.empty : ''; return; }
  status.textContent = T.busy;
  get('meta.json').then(function (meta) {
    return Promise.all(toks.map(function (t) {
      return get('t/' + shard(t, meta.shards) + '.json').then(function (s) { return s[t]; });
    })).then(function (lists) {
      var r;
      if (my !== seq) return;
      r = rank(lists);
      if (!r.hits.length) { status.textContent = T.none(q); return; }
      current = { meta: meta, hits: r.hits, shown: 0, toks: toks, list: null, button: null };
      status.textContent = (r.partial ? T.partial(r.hits.length) : T.found(r.hits.length));
      return more();
    });
  })['catch'](function () {
    if (my === seq) status.textContent = T.failed;
  });
}

form.addEventListener('submit', function (e) {
  var q = input.value.replace(/^\s+|\s+$/g, '');
  e.preventDefault();
  if (window.history && history.replaceState) history.replaceState(null, '', q ? '?q=' + encodeURIComponent(q) : location.pathname);
  run(q);
});
var found = /[?&]q=([^&#]*)/.exec(location.search), q0;
if (found) {
  try { q0 = decodeURIComponent(found[1].replace(/\+/g, ' ')); } catch (e) { q0 = ''; }
  input.value = q0;
  run(q0.replace(/^\s+|\s+$/g, ''));
}
})();
