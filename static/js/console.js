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
  var opener = null;

  function consoleDialog() {
    return document.getElementById("console-dialog");
  }

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  // Focus what the content asks for: the first field with an error, else [autofocus]
  // (on destructive dialogs that is Cancel, so one Enter never destroys anything).
  function focusInside(root) {
    var target =
      root.querySelector(".field-error input, .field-error select, .field-error textarea") ||
      root.querySelector("[autofocus]");
    if (target) target.focus();
  }

  function fillDialog(content) {
    var dialog = consoleDialog();
    dialog.replaceChildren(document.importNode(content, true));
    if (!dialog.open) dialog.showModal();
    focusInside(dialog);
    dialog.dispatchEvent(new CustomEvent("keyward:dialog-open", { bubbles: true }));
  }

  function loadedScripts() {
    return Array.prototype.map.call(document.querySelectorAll("script[src]"), function (s) {
      return s.src;
    });
  }

  // Show a whole page that came back from a dialog's form (the show-once page, or the list
  // after a redirect) in place of the current one.
  function showPage(page, url, redirected) {
    var loaded = loadedScripts();
    var missing = Array.prototype.some.call(page.querySelectorAll("script[src]"), function (s) {
      return loaded.indexOf(s.src) < 0;
    });
    if (missing && redirected) {
      window.location.href = url;
      return;
    }
    opener = null;
    document.title = page.title;
    document.body.replaceWith(document.adoptNode(page.body));
    if (url !== window.location.href) history.pushState({ keyward: true }, "", url);
    document.dispatchEvent(new CustomEvent("keyward:page"));
    var main = document.getElementById("main");
    if (main && !document.querySelector("main [autofocus]")) main.focus();
    focusInside(document.body);
  }

  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.keyward) window.location.reload();
  });
  // The page we came from was replaced in place: going back to it must load it afresh.
  if (history.replaceState && !(history.state && history.state.keyward)) {
    history.replaceState({ keyward: true }, "", window.location.href);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-dialog]");
    var dialog = consoleDialog();
    if (link && dialog && typeof dialog.showModal === "function") {
      event.preventDefault();
      fetch(link.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.text();
        })
        .then(function (html) {
          var content = parse(html).querySelector("[data-dialog-content]");
          if (!content) throw new Error("no dialog content");
          opener = link;
          fillDialog(content);
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

  // A form inside the dialog is sent from here: an answer that is the same form again
  // (with the entered values and the error messages) stays in the dialog; any other answer
  // replaces the page. Without JavaScript the form posts normally to a page of its own.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var dialog = consoleDialog();
    if (!dialog || !dialog.contains(form) || event.defaultPrevented) return;
    if ((form.method || "").toLowerCase() !== "post") return;
    event.preventDefault();
    if (form.dataset.pending) return;
    form.dataset.pending = "yes";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form, event.submitter),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.text().then(function (html) {
          var page = parse(html);
          var again = page.querySelector("[data-dialog-content]");
          if (again && again.querySelector("form")) {
            fillDialog(again);
          } else {
            showPage(page, response.url, response.redirected);
          }
        });
      })
      .catch(function () {
        delete form.dataset.pending;
        form.submit();
      });
  });

  document.addEventListener("close", function (event) {
    if (event.target.id !== "console-dialog") return;
    event.target.replaceChildren();
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }, true);

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
