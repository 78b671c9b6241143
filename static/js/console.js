// Progressive enhancement for the console. Every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The tenant switcher submits on change; without JS it has a Switch button.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) form.requestSubmit();
  });

  // Links marked data-dialog open their page's [data-dialog-content] in a <dialog>.
  // Without JavaScript the link simply opens that page.
  var dialog = document.getElementById("console-dialog");
  var opener = null;

  function openDialog(content, link) {
    dialog.replaceChildren(document.importNode(content, true));
    opener = link;
    dialog.showModal();
    var autofocus = dialog.querySelector("[autofocus]");
    if (autofocus) autofocus.focus();
    dialog.dispatchEvent(new CustomEvent("keyward:dialog-open", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-dialog]");
    if (link && dialog && typeof dialog.showModal === "function") {
      event.preventDefault();
      fetch(link.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.text();
        })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var content = page.querySelector("[data-dialog-content]");
          if (!content) throw new Error("no dialog content");
          openDialog(content, link);
        })
        .catch(function () { window.location.href = link.href; });
      return;
    }
    var close = event.target.closest("[data-dialog-close]");
    if (close && dialog && dialog.open) {
      event.preventDefault();
      dialog.close();
    }
  });

  if (dialog) {
    dialog.addEventListener("close", function () {
      dialog.replaceChildren();
      if (opener) opener.focus();
      opener = null;
    });
  }

  // Copy buttons: <button data-copy="#element-id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.value || source.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      button.setAttribute("aria-live", "polite");
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
})();
