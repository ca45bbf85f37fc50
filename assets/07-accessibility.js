/* Dash 4's own controls as screen readers and keyboards need them (WCAG 2 A/AA, checked by axe in the browser
   tests), applied to each control as it appears:

   - Dropdown: Tab lands on a read-only <input aria-hidden="true"> that hands focus on to the real control, a
     <button tabindex="-1"> (axe: aria-hidden-focus, serious — a keyboard stop hidden from screen readers). The
     button becomes the tab stop and the hidden input is disabled, so it is neither focusable nor announced.
   - Date picker: the wrapper around the date's text box carries aria-expanded and aria-haspopup with no role
     (axe: aria-allowed-attr); as the text box's combobox (the ARIA 1.1 pattern) it may.
   - Upload: dcc.Upload's file <input> has no name (axe: label); it takes its drop zone's text.
   - Checklist: a listbox of options that each hold a checkbox (axe: nested-interactive, and a listbox needs a
     name); the checkboxes say all there is, so the list becomes a plain group and its labels plain labels. */
(function () {
  "use strict";

  function fix(root) {
    root.querySelectorAll(".dash-dropdown-focus-target:not([disabled])").forEach(function (proxy) {
      const button = proxy.nextElementSibling;
      if (button && button.matches("button.dash-dropdown")) {
        button.tabIndex = 0;
        proxy.disabled = true;
      }
    });
    root.querySelectorAll(".dash-datepicker-input-wrapper[aria-expanded]:not([role])").forEach(function (wrapper) {
      wrapper.setAttribute("role", "combobox");
    });
    root.querySelectorAll(".dash-checklist[role=listbox]").forEach(function (list) { list.setAttribute("role", "group"); });
    root.querySelectorAll(".dash-checklist [role=option], .dash-checklist [aria-selected]").forEach(function (option) {
      option.removeAttribute("role");
      option.removeAttribute("aria-selected");  // React sets it again on a toggle: the observer below sees that
    });
    root.querySelectorAll("input[type=file]:not([aria-label])").forEach(function (input) {
      const zone = input.parentElement;
      const text = zone ? zone.textContent.replace(/\s+/g, " ").trim() : "";
      if (text) {
        input.setAttribute("aria-label", text);
      }
    });
  }

  // At once, before the browser paints or takes a key press: a few selector queries per batch of changes.
  new MutationObserver(function () { fix(document); })
    .observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                        attributeFilter: ["role", "aria-selected"]});
})();
