/* Keeps what a resident types in a form on their own device until it is
   sent: a dropped connection or a closed tab loses nothing. The form works
   without this script; with it, drafts live in localStorage under the form's
   data-draft-key, and the page shown after a successful send clears them. */
(function () {
  'use strict';
  var PREFIX = 'labo-draft:';
  var storage;
  try { storage = window.localStorage; storage.setItem(PREFIX + 'test', '1'); storage.removeItem(PREFIX + 'test'); }
  catch (e) { return; }  // private mode or storage disabled: the form still works

  document.querySelectorAll('[data-draft-clear]').forEach(function (el) {
    storage.removeItem(PREFIX + el.getAttribute('data-draft-clear'));
  });

  document.querySelectorAll('form[data-draft-key]').forEach(function (form) {
    var key = PREFIX + form.getAttribute('data-draft-key');
    var fields = function () {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.name !== 'csrf_token' && el.type !== 'file' && el.type !== 'password'
          && el.type !== 'submit' && el.type !== 'hidden';
      });
    };
    var saved = null;
    try { saved = JSON.parse(storage.getItem(key) || 'null'); } catch (e) { saved = null; }
    if (saved && typeof saved === 'object') {
      fields().forEach(function (el) {
        if (!(el.name in saved)) return;
        if (el.type === 'radio' || el.type === 'checkbox') {
          el.checked = saved[el.name] === el.value;
        } else if (!el.value || el.defaultValue === el.value) {
          el.value = saved[el.name];  // the server's own values (after an error) win
        }
      });
    }
    var note = form.querySelector('.draft-note');
    if (note) note.hidden = false;
    var save = function () {
      var data = {};
      fields().forEach(function (el) {
        if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) return;
        data[el.name] = el.value;
      });
      try { storage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full: nothing to do */ }
    };
    form.addEventListener('input', save);
    form.addEventListener('change', save);
  });
}());
