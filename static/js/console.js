/* The animator's console (templates/workshops/console.html): the steering
   panel arrives open, so it works without this script; on a phone, where it
   sits in a bar stuck to the top of the screen, it is folded on arrival and
   opens with one tap on "Piloter". A page sent back with an error keeps it open. */
(function () {
  'use strict';
  var panel = document.getElementById('steer-panel');
  if (!panel || !window.matchMedia) return;
  var wide = window.matchMedia('(min-width: 60rem)');
  var hasError = panel.querySelector('.error-summary, .has-error');
  if (!wide.matches && !hasError) panel.open = false;
  // Widening the window (a laptop's window made larger) shows the panel in its column.
  var follow = function (event) { if (event.matches) panel.open = true; };
  if (wide.addEventListener) wide.addEventListener('change', follow);
})();
