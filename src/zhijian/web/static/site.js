/* zhijian site behaviour (no inline scripts: CSP). Progressive: every page works without it.
   - form[data-confirm]: ask before an irreversible step; on yes, submit with confirmed=1 (the server
     otherwise shows its own confirmation page, so the step is confirmed with or without JavaScript). */
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (form.querySelector("input[name=confirmed]")) return;
    if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); return; }
    var flag = document.createElement("input");
    flag.type = "hidden"; flag.name = "confirmed"; flag.value = "1";
    form.appendChild(flag);
  }, true);
})();
/* input[data-tree-search]: filter the tree it names by name, pinyin or initials (li[data-terms]); a match keeps
   its ancestors and its whole subtree visible. */
(function () {
  "use strict";
  document.addEventListener("input", function (ev) {
    var box = ev.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-tree-search")) return;
    var tree = document.getElementById(box.getAttribute("data-tree-search"));
    if (!tree) return;
    var q = box.value.trim().toLowerCase().replace(/\s+/g, "");
    var items = tree.querySelectorAll("li");
    var shown = 0;
    items.forEach(function (li) { li.hidden = !!q; });
    if (q) {
      items.forEach(function (li) {
        var terms = (li.getAttribute("data-terms") || "").split("|");
        if (!terms.some(function (t) { return t.indexOf(q) !== -1; })) return;
        shown++;
        li.querySelectorAll("li").forEach(function (c) { c.hidden = false; });
        for (var p = li; p && p !== tree; p = p.parentElement) { if (p.tagName === "LI") p.hidden = false; }
      });
    }
    var none = tree.parentElement.querySelector(".none");
    if (none) none.hidden = !q || shown > 0;
  });
})();
