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
