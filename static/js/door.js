/* "Enquête au porte-à-porte": an ambassador or animator types each person's
   answers on a phone whose network comes and goes. The page works with its
   form alone; this script, written like static/js/attendance.js, adds:
   - the required questions checked on the phone (nothing to ask the server
     when it cannot be reached), each missing one said beside it;
   - a queue kept in localStorage, per questionnaire: each person's answers
     wait there with a key made on the phone, the form is emptied for the
     next person at once, and the queue is sent when the network comes back,
     when the page loads, and every few seconds. Nothing is lost, nothing is
     counted twice: the server keeps the key (UNIQUE per questionnaire) and
     answers a second send of it with the first response.
   Its texts come from data- attributes of #door, in the page's language. */
(function () {
  'use strict';
  var root = document.getElementById('door');
  var form = document.getElementById('door-form');
  if (!root || !form || !window.fetch || !window.FormData || !window.JSON || !window.LaboStore) return;
  if (!window.crypto || !window.crypto.getRandomValues) return;

  var KEY = 'labo-door:' + root.getAttribute('data-questionnaire');
  var RETRY_EVERY = 15000;
  var summary = document.getElementById('door-summary');
  var statusBox = document.getElementById('door-status');
  var msg = function (name, n) {
    return (root.getAttribute('data-msg-' + name) || '').replace('{n}', String(n));
  };

  // --- the queue ----------------------------------------------------------

  var store = window.LaboStore(KEY);  // static/js/store.js
  var queue = store.load();
  var persist = function () { store.save(queue); };  // storage full: the queue stays in memory
  var dequeue = function (op) {
    queue = queue.filter(function (o) { return o.key !== op.key; });
    persist();
  };

  var randomKey = window.LaboStore.randomKey;

  // --- what the page says -------------------------------------------------

  var problem = null;  // {kind: 'rejected', text} | {kind: 'login'} | null
  var justSaved = false;
  var sentSomething = false;

  var render = function () {
    var text = '';
    if (problem && problem.kind === 'login') text = msg('login');
    else if (queue.length) text = msg(queue.length === 1 ? 'waiting-one' : 'waiting', queue.length);
    else if (problem && problem.kind === 'rejected') {
      text = problem.text ? msg('rejected').replace('{error}', problem.text) : msg('refused');
    }
    else if (justSaved && !sentSomething) text = msg('saved');
    else if (sentSomething) text = msg('sent');
    statusBox.hidden = !text;
    statusBox.classList.toggle('notice-warn', !!problem || queue.length > 0);
    if (statusBox.textContent !== text) statusBox.textContent = text;
  };

  // --- the form -------------------------------------------------------------

  var clearErrors = function () {
    form.querySelectorAll('.js-error').forEach(function (p) { p.parentNode.removeChild(p); });
    form.querySelectorAll('.question.has-error').forEach(function (q) { q.classList.remove('has-error'); });
    form.querySelectorAll('[aria-invalid]').forEach(function (i) { i.removeAttribute('aria-invalid'); });
    var top = form.querySelector('.error-summary');
    if (top) top.parentNode.removeChild(top);
  };

  var missing = function () {
    var found = [];
    form.querySelectorAll('.question[data-required]').forEach(function (q) {
      var name = q.getAttribute('data-name');
      var filled = Array.prototype.some.call(form.querySelectorAll('[name="' + name + '"]'), function (input) {
        if (input.type === 'radio' || input.type === 'checkbox') return input.checked;
        return input.value.replace(/\s+/g, '') !== '';
      });
      if (!filled) found.push(q);
    });
    return found;
  };

  var showMissing = function (questions) {
    questions.forEach(function (q) {
      q.classList.add('has-error');
      var p = document.createElement('p');
      p.className = 'error js-error';
      p.id = q.id + '-js-error';
      p.textContent = msg(q.getAttribute('data-required') === 'tick' ? 'tick' : 'answer');
      var legend = q.querySelector('legend, label');
      legend.parentNode.insertBefore(p, legend.nextSibling);
      var described = (q.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      if (q.tagName === 'FIELDSET') {
        described.push(p.id);
        q.setAttribute('aria-describedby', described.join(' '));
      } else {
        var input = q.querySelector('input, textarea');
        if (input) {
          input.setAttribute('aria-invalid', 'true');
          var ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
          ids.push(p.id);
          input.setAttribute('aria-describedby', ids.join(' '));
        }
      }
    });
    var top = document.createElement('div');
    top.className = 'error-summary';
    top.setAttribute('role', 'alert');
    top.tabIndex = -1;
    top.textContent = msg('missing');
    form.insertBefore(top, form.firstChild);
    top.focus();
  };

  // The answers of one person, without the page's token and key.
  var fieldsOf = function () {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== 'csrf_token' && name !== 'client_key' && typeof value === 'string') fields.push([name, value]);
    });
    return fields;
  };

  // Emptied for the next person; where the interview happens (commune, neighbourhood) stays.
  var emptyForm = function () {
    form.querySelectorAll('.question input[type=radio], .question input[type=checkbox]').forEach(function (i) {
      i.checked = false;
    });
    form.querySelectorAll('.question input[type=text], .question textarea').forEach(function (i) { i.value = ''; });
    var age = form.querySelector('select[name=age_band]');
    if (age) age.value = '';
  };

  // --- sending ------------------------------------------------------------

  var csrfToken = function () {
    var input = form.querySelector('input[name=csrf_token]');
    return input ? input.value : '';
  };

  var send = function (op) {
    var body = new FormData();
    body.append('csrf_token', csrfToken());
    body.append('client_key', op.key);
    if (op.at) body.append('recorded_at', op.at);
    op.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(form.action || window.location.pathname, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    }).then(function (response) {
      var json = (response.headers.get('Content-Type') || '').indexOf('application/json') === 0;
      if (response.ok && json) return response.json().then(function (data) { return { done: true, data: data }; });
      if (response.ok) return { wait: true, login: true };  // sent to the login page
      if (response.status === 400) return { wait: true, refresh: true };  // the form's token expired
      if (response.status === 429 || response.status >= 500) return { wait: true };
      if (json) return response.json().then(function (data) { return { rejected: true, text: data.error }; });
      return { rejected: true };  // 403, 404: sending again would not help
    }, function () {
      return { wait: true };  // no network
    });
  };

  var refreshToken = function () {
    return fetch(window.location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, 'text/html');
        var input = page.querySelector('#door-form input[name=csrf_token]');
        if (input) form.querySelector('input[name=csrf_token]').value = input.value;
      }, function () {});
  };

  var flushing = false;
  var flush = function () {
    if (flushing) return;
    if (!queue.length || navigator.onLine === false) { render(); return; }
    flushing = true;
    var refreshed = false;
    var step = function () {
      var op = queue[0];
      if (!op) { flushing = false; render(); return; }
      send(op).then(function (result) {
        if (result.done) {
          dequeue(op);
          problem = null;
          sentSomething = true;
          if (result.data.summary) summary.textContent = result.data.summary;
          step();
        } else if (result.rejected) {
          dequeue(op);
          problem = { kind: 'rejected', text: result.text };
          step();
        } else if (result.refresh && !refreshed) {
          refreshed = true;
          refreshToken().then(step);
        } else {
          if (result.login) problem = { kind: 'login' };
          flushing = false;  // keep the order; try again later
          render();
        }
      });
    };
    step();
  };

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    clearErrors();
    var gaps = missing();
    if (gaps.length) { showMissing(gaps); return; }
    queue.push({ key: randomKey(), fields: fieldsOf(), at: new Date().toISOString() });  // when: kept after the closing
    persist();
    emptyForm();
    justSaved = true;
    sentSomething = false;
    problem = null;
    render();
    statusBox.scrollIntoView({ block: 'center' });
    flush();
  });

  window.addEventListener('online', flush);
  window.addEventListener('offline', render);
  window.setInterval(flush, RETRY_EVERY);
  render();
  flush();
}());
