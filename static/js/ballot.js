/* Majority judgment (templates/processes/_ballot.html): an option left without a grade
   counts as "À rejeter", so before sending, the page asks, as the server does without
   this script. The question names the options (each a link to its scale) and offers a
   "Je confirme" button; choosing a grade for each makes it go away. */
(function () {
  'use strict';
  var form = document.querySelector('form[data-ask-blanks]');
  var box = document.getElementById('blank-question');
  var text = document.getElementById('blank-text');
  if (!form || !box || !text) return;
  var groups = Array.prototype.slice.call(form.querySelectorAll('fieldset.grade-group'));

  function blanks() {
    return groups.filter(function (group) { return !group.querySelector('input[type=radio]:checked'); });
  }

  function ask(missing, focus) {
    var template = box.getAttribute(missing.length === 1 ? 'data-one' : 'data-many');
    var parts = template.split('__NAMES__');
    text.textContent = '';
    text.appendChild(document.createTextNode(parts[0]));
    missing.forEach(function (group, i) {
      if (i) text.appendChild(document.createTextNode(', '));
      var link = document.createElement('a');
      link.href = '#' + group.id;
      link.textContent = group.querySelector('legend').textContent;
      text.appendChild(link);
    });
    text.appendChild(document.createTextNode(parts.slice(1).join('')));
    groups.forEach(function (group) { group.classList.toggle('grade-blank', missing.indexOf(group) !== -1); });
    box.hidden = false;
    if (focus) box.focus();
  }

  // The button that sent the form (event.submitter, or the last one clicked on older browsers).
  var clicked = null;
  form.addEventListener('click', function (event) {
    var button = event.target.closest('button[type=submit]');
    if (button) clicked = button;
  });

  form.addEventListener('submit', function (event) {
    var submitter = event.submitter || clicked;
    if (submitter && submitter.name === 'blank') return;  // confirmed: the server stores "À rejeter"
    var missing = blanks();
    if (!missing.length) return;
    event.preventDefault();
    ask(missing, true);
  });

  form.addEventListener('change', function (event) {
    var group = event.target.closest('fieldset.grade-group');
    if (group) group.classList.remove('grade-blank');
    if (box.hidden) return;
    var missing = blanks();
    if (missing.length) ask(missing, false);
    else box.hidden = true;
  });
})();
