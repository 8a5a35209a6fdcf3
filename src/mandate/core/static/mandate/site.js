// Small page behaviours, bound by data attributes so no page needs an inline script or
// handler (the Content Security Policy allows scripts from this origin only).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var print = target.closest("[data-print]");
    if (print) {
      event.preventDefault();
      window.print();
      return;
    }
    var back = target.closest("a[data-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
      return;
    }
    // <button data-fill='{"field": "value", ...}'>: set the fields of its form, then submit it.
    var fill = target.closest("button[data-fill]");
    if (fill && fill.form) {
      event.preventDefault();
      var values = JSON.parse(fill.getAttribute("data-fill") || "{}");
      Object.keys(values).forEach(function (name) {
        var field = fill.form.elements.namedItem(name);
        if (field && "value" in field) field.value = String(values[name]);
      });
      fill.form.requestSubmit();
    }
  });
})();

// <select data-autosubmit>: submit its form as soon as a choice is made (a button in
// <noscript> covers browsers without scripts).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});
