// The show-once page. It works without this file (the key is in a readonly field).
(function () {
  "use strict";

  function enhance() {
    // Copy buttons need JavaScript (console.js implements them), so they start hidden.
    document.querySelectorAll("[data-needs-js]").forEach(function (element) {
      element.hidden = false;
    });

    // This page is the answer to a POST. Give it its own address, so that a reload or a
    // return through history loads that page ("can no longer be shown") instead of
    // re-submitting the form.
    var once = document.querySelector("[data-canonical-url]");
    if (once && window.history && history.replaceState) {
      history.replaceState({ keyward: true }, "", once.getAttribute("data-canonical-url"));
    }

    // Focusing the key selects all of it, ready for Ctrl+C.
    var raw = document.getElementById("raw-key");
    if (raw) {
      var selectKey = function () { window.getSelection().selectAllChildren(raw); };
      raw.addEventListener("focus", selectKey);
      if (document.activeElement === raw) selectKey();
    }
  }

  enhance();
  // console.js shows the page a dialog's form answered with in place of the list.
  document.addEventListener("keyward:page", enhance);
})();

// Create and regenerate forms (also inside the console dialog) submit once: a double click
// would otherwise mint a second secret and show only the last one.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-submit-once]");
  if (!form) return;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "yes";
  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.setAttribute("aria-disabled", "true");
  });
});

// The create form's access choice and its scope boxes agree: ticking a scope picks
// "Only the scopes ticked below"; picking "Full access" clears the boxes.
document.addEventListener("change", function (event) {
  var input = event.target;
  var form = input.form;
  if (!form || !form.elements.access) return;
  if (input.name === "scopes" && input.checked) {
    form.elements.access.value = "restricted";
  } else if (input.name === "access" && input.value === "full") {
    form.querySelectorAll("input[name=scopes]").forEach(function (box) { box.checked = false; });
  }
});
