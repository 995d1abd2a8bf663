// 长辈版：记住居民在本机的选择（存在浏览器里，不发往任何地方）；没有脚本时勾选框照样切换当前页。
(function () {
  var box = document.getElementById("elder");
  if (!box) return;
  var apply = function () { document.documentElement.classList.toggle("elder", box.checked); };
  try {
    var saved = localStorage.getItem("placard-elder");
    if (saved !== null) box.checked = saved === "1";
  } catch (e) {}
  apply();
  box.addEventListener("change", function () {
    apply();
    try { localStorage.setItem("placard-elder", box.checked ? "1" : "0"); } catch (e) {}
  });
})();
