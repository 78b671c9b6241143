// Usage chart: a styled tooltip that follows hover and keyboard focus, and arrow keys to
// move between days. Without this file every bar still has an SVG <title> and an
// aria-label, and the table below the chart has the same numbers.
(function () {
  "use strict";
  var chart = document.querySelector("[data-usage-chart]");
  if (!chart) return;
  var wrap = chart.parentNode;
  var scroller = chart.closest("[data-usage-scroll]") || wrap;
  // A chart wider than its card opens on today, the newest bar.
  scroller.scrollLeft = scroller.scrollWidth;
  var bars = Array.prototype.slice.call(chart.querySelectorAll(".usage-bar"));
  if (!bars.length) return;

  var tip = document.createElement("div");
  tip.className = "usage-tooltip";
  tip.hidden = true;
  tip.setAttribute("aria-hidden", "true"); // each bar's aria-label already says it all
  wrap.appendChild(tip);

  // The styled tooltip replaces the browser's; the aria-label stays for assistive tech.
  bars.forEach(function (bar) {
    var title = bar.querySelector("title");
    if (title) title.remove();
  });

  function row(label, value, swatch) {
    var line = document.createElement("div");
    line.className = "usage-tooltip-row";
    if (swatch) {
      var mark = document.createElement("span");
      mark.className = "usage-tooltip-mark " + swatch;
      line.appendChild(mark);
    }
    var name = document.createElement("span");
    name.textContent = label;
    var number = document.createElement("strong");
    number.textContent = Number(value).toLocaleString();
    line.append(name, number);
    return line;
  }

  var active = null;

  function show(bar) {
    if (active) active.classList.remove("is-active");
    active = bar;
    bar.classList.add("is-active");
    var date = document.createElement("div");
    date.className = "usage-tooltip-date";
    date.textContent = bar.dataset.date;
    tip.replaceChildren(
      date,
      row("Total", bar.dataset.total),
      row("Succeeded", bar.dataset.succeeded, "mark-ok"),
      row("Failed", bar.dataset.failed, "mark-fail"),
      row("In flight", bar.dataset.inFlight, "mark-flight")
    );
    tip.hidden = false;
    // Beside the day's column, never over it, and whole inside the part of the chart the
    // card shows: to the right where there is room, else to the left, else on the roomier
    // side, narrowed to fit.
    var area = wrap.getBoundingClientRect();
    var view = scroller.getBoundingClientRect();
    var hit = bar.querySelector(".usage-hit").getBoundingClientRect();
    var gap = 6;
    var seenLeft = Math.max(view.left, area.left);
    var seenRight = Math.min(view.right, area.right);
    var roomRight = seenRight - hit.right - gap;
    var roomLeft = hit.left - gap - seenLeft;
    tip.style.minWidth = "";
    tip.style.maxWidth = "";
    var width = tip.offsetWidth;
    var onRight = width <= roomRight || (width > roomLeft && roomRight >= roomLeft);
    if (width > Math.max(roomLeft, roomRight)) {
      tip.style.minWidth = "0";
      tip.style.maxWidth = Math.max(roomLeft, roomRight) + "px";
      width = tip.offsetWidth;
    }
    var left = onRight ? hit.right + gap : hit.left - gap - width;
    tip.style.left = left - area.left + "px";
    tip.style.top = hit.top - area.top + "px";
  }

  function hide() {
    tip.hidden = true;
    if (active) active.classList.remove("is-active");
    active = null;
  }

  // One tab stop for the chart; arrow keys, Home and End move between days.
  function focusBar(index) {
    var next = bars[Math.max(0, Math.min(bars.length - 1, index))];
    bars.forEach(function (bar) { bar.setAttribute("tabindex", bar === next ? "0" : "-1"); });
    next.focus();
  }
  bars.forEach(function (bar, i) { bar.setAttribute("tabindex", i === bars.length - 1 ? "0" : "-1"); });

  chart.addEventListener("keydown", function (event) {
    var index = bars.indexOf(event.target.closest(".usage-bar"));
    if (index < 0) return;
    var moves = { ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: bars.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      focusBar(moves[event.key]);
    } else if (event.key === "Escape") {
      hide();
    }
  });
  chart.addEventListener("focusin", function (event) {
    var bar = event.target.closest(".usage-bar");
    if (bar) show(bar);
  });
  chart.addEventListener("focusout", hide);
  chart.addEventListener("pointerover", function (event) {
    var bar = event.target.closest(".usage-bar");
    if (bar && bar !== active) show(bar);
  });
  chart.addEventListener("pointerleave", function () {
    if (!chart.contains(document.activeElement)) hide();
  });
  window.addEventListener("resize", function () { if (active) show(active); });
})();
