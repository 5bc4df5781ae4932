// The private page's "Salin tautan" button: comfort only. Without JavaScript the button
// stays hidden and the link, the PIN and the QR code are all on the page to keep.
(function () {
  "use strict";
  var button = document.getElementById("copy-link");
  if (!button) {
    return;
  }
  var target = document.getElementById(button.getAttribute("data-copy"));
  var status = document.getElementById("copy-status");
  if (!target || !status) {
    return;
  }

  function say(text) {
    status.textContent = text;
  }

  function selectLink() {
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // No clipboard API (an old WebView, or it refused): select the link and try the old
  // copy command; if that fails too the link stays selected for the phone's own menu.
  function fallback() {
    selectLink();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (ignored) {
      copied = false;
    }
    say(button.getAttribute(copied ? "data-done" : "data-failed"));
  }

  button.addEventListener("click", function () {
    var text = target.textContent.trim();
    say("");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        say(button.getAttribute("data-done"));
      }, fallback);
    } else {
      fallback();
    }
  });
  button.hidden = false;
})();
