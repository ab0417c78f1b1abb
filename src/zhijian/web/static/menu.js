/* zhijian — the phone menus (issue 21, finding 13). Loaded in <head> without defer, so the "js" class is on <html>
   before the header is drawn: only then does site.css fold the menus away behind their buttons. Without JavaScript
   there is no button and every link is shown, wrapped (nothing scrolls sideways).
   button[aria-controls][data-menu]: toggles aria-expanded (site.css shows the panel it controls while it is
   "true"); Escape closes an open menu and gives the focus back to its button. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function toggle(btn, open) {
    btn.setAttribute("aria-expanded", open ? "true" : "false");
  }
  document.addEventListener("click", function (ev) {
    var btn = ev.target instanceof Element ? ev.target.closest("button[data-menu]") : null;
    if (btn) toggle(btn, btn.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    document.querySelectorAll("button[data-menu][aria-expanded=true]").forEach(function (btn) {
      var panel = document.getElementById(btn.getAttribute("aria-controls"));
      if (!panel || !panel.contains(document.activeElement)) return;
      toggle(btn, false);
      btn.focus();
    });
  });
})();
