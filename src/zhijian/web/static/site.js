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
/* button[data-copy]: copy its text to the clipboard (the 查询码 receipt), then say so (data-copied). */
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var btn = ev.target instanceof Element ? ev.target.closest("button[data-copy]") : null;
    if (!btn || !navigator.clipboard) return;
    navigator.clipboard.writeText(btn.getAttribute("data-copy")).then(function () {
      btn.textContent = btn.getAttribute("data-copied") || btn.textContent;
    });
  });
})();
/* [data-required-for=KIND]: aria-required only while the form's kind select has that value (投诉 needs name,
   phone and address; 举报 may be anonymous). The server checks; the ※ label says it to every reader. */
(function () {
  "use strict";
  function sync(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) return;
    form.querySelectorAll("[data-required-for]").forEach(function (input) {
      input.setAttribute("aria-required", input.getAttribute("data-required-for") === kind.value ? "true" : "false");
    });
  }
  document.addEventListener("change", function (ev) {
    if (ev.target instanceof HTMLSelectElement && ev.target.name === "kind" && ev.target.form) sync(ev.target.form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (f) { if (f.querySelector("[data-required-for]")) sync(f); });
  });
})();
