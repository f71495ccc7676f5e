/* Keeps what a resident types in a form on their own device until it is
   sent: a dropped connection or a closed tab loses nothing. The form works
   without this script; with it, drafts live in localStorage under the form's
   data-draft-key and the account's data-draft-owner ("labo-draft:KEY:OWNER"),
   so that on a shared phone one person never finds another's draft. The page
   shown after a successful send clears them (data-draft-clear), and logging
   out (the form marked data-draft-logout) clears every draft on the device.
   Files (the photo) are never kept. Loaded on every page by base.html,
   it also brings a refused form's error summary into view and focus. */
(function () {
  'use strict';
  if (window.laboDraftLoaded) return;  // a page may load it twice
  window.laboDraftLoaded = true;

  // A refused post: the error summary (templates/_macros/forms.html) is read
  // out and brought into view, however far down the page its form sits.
  var summary = document.querySelector('[data-error-summary]');
  if (summary) {
    try { summary.focus({ preventScroll: true }); } catch (e) { summary.focus(); }
    summary.scrollIntoView({ block: 'start' });
  }

  var PREFIX = 'labo-draft:';
  var storage;
  try { storage = window.localStorage; storage.setItem(PREFIX + 'test', '1'); storage.removeItem(PREFIX + 'test'); }
  catch (e) { return; }  // private mode or storage disabled: the form still works

  // Every stored key starting with `start` (all drafts, or one form's drafts).
  var keysStartingWith = function (start) {
    var found = [];
    for (var i = 0; i < storage.length; i += 1) {
      var name = storage.key(i);
      if (name && name.indexOf(start) === 0) found.push(name);
    }
    return found;
  };
  var forget = function (start) {
    keysStartingWith(start).forEach(function (name) { storage.removeItem(name); });
  };

  document.querySelectorAll('form[data-draft-logout]').forEach(function (form) {
    form.addEventListener('submit', function () { forget(PREFIX); });
  });

  // After a send: that form's draft goes, the sender's (data-draft-owner) or,
  // when the page does not say whose, that form's drafts on this device.
  document.querySelectorAll('[data-draft-clear]').forEach(function (el) {
    var base = PREFIX + el.getAttribute('data-draft-clear');
    var owner = el.getAttribute('data-draft-owner');
    storage.removeItem(base);  // a draft saved before drafts were kept per account
    if (owner) storage.removeItem(base + ':' + owner);
    else forget(base + ':');
  });

  document.querySelectorAll('form[data-draft-key][data-draft-owner]').forEach(function (form) {
    var key = PREFIX + form.getAttribute('data-draft-key') + ':' + form.getAttribute('data-draft-owner');
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
        // A restored value inside a closed section ("Préciser") is shown, not hidden.
        var section = el.closest && el.closest('details');
        if (section && !section.open && el.type !== 'radio' && el.type !== 'checkbox' && el.value) section.open = true;
      });
    }
    form.querySelectorAll('.draft-note').forEach(function (note) { note.hidden = false; });
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
