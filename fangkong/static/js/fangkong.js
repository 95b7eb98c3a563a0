// Behaviour every page shares. A file, not inline handlers: the Content-Security-Policy allows
// scripts from 'self' only (no 'unsafe-inline').
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
