/* Attendance on the day (émargement), on a tablet or a phone in a community
   hall where the network comes and goes. The page works with its forms
   alone; this script adds:
   - a search that filters the list as you type;
   - ticks and walk-ins sent in the background (fetch, JSON answers);
   - a queue kept in localStorage, per meeting, for what could not be sent
     (no network, a failed send): each waiting line says "en attente d'envoi",
     and the queue is sent again when the network comes back, when the page
     loads, and every few seconds. Nothing is lost, nothing is sent twice:
     a tick carries the state wanted (present or not), never a toggle, and a
     walk-in carries an id made here, which the server keeps and recognises.
   Its texts come from data- attributes of #attendance, in the page's language. */
(function () {
  'use strict';
  var root = document.getElementById('attendance');
  if (!root || !window.fetch || !window.FormData || !window.JSON || !window.LaboStore) return;

  // The key keeps its first name: ticks waiting on a device are not lost.
  var KEY = 'labo-sign-in:' + root.getAttribute('data-meeting');
  var RETRY_EVERY = 15000;
  var list = document.getElementById('attendance-list');
  var summary = document.getElementById('presence-summary');
  var statusBox = document.getElementById('sync-status');
  var walkInForm = document.getElementById('walk-in-form');
  var searchForm = document.getElementById('attendance-search');
  var search = document.getElementById('q');
  var searchCount = document.getElementById('search-count');
  var msg = function (name, n) {
    return (root.getAttribute('data-msg-' + name) || '').replace('{n}', String(n));
  };

  // --- the queue ----------------------------------------------------------

  var store = window.LaboStore(KEY);  // static/js/store.js
  var queue = store.load();
  var counter = 0;
  var nextSeq = function () { counter += 1; return Date.now() * 1000 + counter; };
  var persist = function () { store.save(queue); };  // storage full: the queue stays in memory
  var enqueue = function (op) {
    op.seq = nextSeq();
    if (op.kind === 'tick') {
      queue = queue.filter(function (o) { return !(o.kind === 'tick' && o.id === op.id); });
    }
    queue.push(op);
    persist();
  };
  var dequeue = function (op) {
    queue = queue.filter(function (o) { return o.seq !== op.seq; });
    persist();
  };

  // --- the list -----------------------------------------------------------

  var csrfToken = function () {
    var input = document.querySelector('input[name=csrf_token]');
    return input ? input.value : '';
  };
  var setToken = function (value) {
    document.querySelectorAll('input[name=csrf_token]').forEach(function (input) { input.value = value; });
  };

  var showTick = function (form, present) {
    var button = form.querySelector('button');
    form.querySelector('input[name=present]').value = present ? '0' : '1';
    button.setAttribute('aria-pressed', present ? 'true' : 'false');
    button.classList.toggle('btn-primary', present);
    var mark = button.querySelector('.tick-mark');
    if (mark) mark.textContent = present ? '✓ ' : '';
  };

  var tickForm = function (id, url, name, present) {
    var form = document.createElement('form');
    form.method = 'post';
    form.action = url;
    form.className = 'tick-form';
    form.setAttribute('data-id', String(id));
    var token = document.createElement('input');
    token.type = 'hidden'; token.name = 'csrf_token'; token.value = csrfToken();
    var state = document.createElement('input');
    state.type = 'hidden'; state.name = 'present';
    var button = document.createElement('button');
    button.type = 'submit';
    button.className = 'btn';
    var mark = document.createElement('span');
    mark.className = 'tick-mark';
    mark.setAttribute('aria-hidden', 'true');
    button.appendChild(mark);
    button.appendChild(document.createTextNode(name + ' (' + msg('walk-in') + ')'));
    form.appendChild(token); form.appendChild(state); form.appendChild(button);
    showTick(form, present);
    return form;
  };

  var addWaitingWalkIn = function (op) {
    var empty = list.querySelector('li.empty');
    if (empty) empty.parentNode.removeChild(empty);
    var item = document.createElement('li');
    item.setAttribute('data-key', op.key);
    item.setAttribute('data-name', op.first_name);
    var label = document.createElement('span');
    label.className = 'btn btn-primary';
    label.textContent = '✓ ' + op.first_name + ' (' + msg('walk-in') + ')';
    item.appendChild(label);
    list.appendChild(item);
    return item;
  };

  var itemFor = function (op) {
    if (op.kind === 'tick') return document.getElementById('r' + op.id);
    return list.querySelector('li[data-key="' + op.key + '"]');
  };

  // --- what the page says -------------------------------------------------

  var problem = null;  // 'rejected' | 'login' | null
  var sentSomething = false;

  var render = function () {
    list.querySelectorAll('.pending-mark').forEach(function (mark) { mark.parentNode.removeChild(mark); });
    queue.forEach(function (op) {
      var item = itemFor(op);
      if (!item) return;
      var mark = document.createElement('span');
      mark.className = 'tag pending-mark';
      mark.textContent = msg('pending');
      item.appendChild(mark);
    });
    var text = '';
    if (problem === 'login') text = msg('login');
    else if (queue.length) text = msg('waiting', queue.length);
    else if (problem === 'rejected') text = msg('rejected');
    else if (sentSomething) text = msg('sent');
    statusBox.hidden = !text;
    statusBox.classList.toggle('notice-warn', !!problem || queue.length > 0);
    if (statusBox.textContent !== text) statusBox.textContent = text;
  };

  // --- sending ------------------------------------------------------------

  var send = function (op) {
    var body = new FormData();
    body.append('csrf_token', csrfToken());
    var url;
    if (op.kind === 'tick') {
      body.append('present', op.present ? '1' : '0');
      url = op.url;
    } else {
      body.append('first_name', op.first_name);
      body.append('client_key', op.key);
      url = walkInForm.action;
    }
    return fetch(url, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    }).then(function (response) {
      var json = (response.headers.get('Content-Type') || '').indexOf('application/json') === 0;
      if (response.ok && json) return response.json().then(function (data) { return { done: true, data: data }; });
      if (response.ok) return { wait: true, login: true };  // sent to the login page
      if (response.status === 400) return { wait: true, refresh: true };  // the form's token expired
      if (response.status === 429 || response.status >= 500) return { wait: true };
      return { rejected: true };  // 403, 404, 422: sending again would not help
    }, function () {
      return { wait: true };  // no network
    });
  };

  var refreshToken = function () {
    return fetch(window.location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, 'text/html');
        var input = page.querySelector('#attendance input[name=csrf_token]');
        if (input) setToken(input.value);
      }, function () {});
  };

  var applied = function (op, data) {
    if (data.summary) summary.textContent = data.summary;
    if (op.kind === 'tick') {
      var newer = queue.some(function (o) { return o.kind === 'tick' && o.id === op.id; });
      var form = list.querySelector('form.tick-form[data-id="' + op.id + '"]');
      if (form && !newer) showTick(form, !!data.present);
      return;
    }
    var item = itemFor(op);
    if (!item) return;
    if (document.getElementById('r' + data.id)) {  // already listed (sent before a reload)
      item.parentNode.removeChild(item);
      return;
    }
    item.removeAttribute('data-key');
    item.id = 'r' + data.id;
    item.textContent = '';
    item.appendChild(tickForm(data.id, data.tick_url, data.first_name, !!data.present));
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
          applied(op, result.data);
          step();
        } else if (result.rejected) {
          dequeue(op);
          problem = 'rejected';
          step();
        } else if (result.refresh && !refreshed) {
          refreshed = true;
          refreshToken().then(step);
        } else {
          if (result.login) problem = 'login';
          flushing = false;  // keep the order; try again later
          render();
        }
      });
    };
    step();
  };

  // --- events -------------------------------------------------------------

  list.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains('tick-form')) return;
    event.preventDefault();
    var present = form.querySelector('input[name=present]').value === '1';
    showTick(form, present);
    enqueue({ kind: 'tick', id: form.getAttribute('data-id'), present: present, url: form.action.split('?')[0] });
    render();
    flush();
  });

  var randomKey = window.LaboStore.randomKey;

  if (walkInForm && window.crypto && window.crypto.getRandomValues) {
    walkInForm.addEventListener('submit', function (event) {
      event.preventDefault();
      var input = walkInForm.querySelector('input[name=first_name]');
      var name = input.value.replace(/\s+/g, ' ').trim();
      if (!name) {
        statusBox.hidden = false;
        statusBox.textContent = msg('name');
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      input.removeAttribute('aria-invalid');
      var op = { kind: 'walk_in', key: randomKey(), first_name: name.slice(0, 60) };
      addWaitingWalkIn(op);
      enqueue(op);
      input.value = '';
      render();
      flush();
    });
  }

  var normalise = function (text) {
    return (text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
  };
  var filter = function () {
    var wanted = normalise(search.value);
    var shown = 0;
    list.querySelectorAll('li[data-name]').forEach(function (item) {
      var match = !wanted || normalise(item.getAttribute('data-name')).indexOf(wanted) !== -1;
      item.hidden = !match;
      if (match) shown += 1;
    });
    searchCount.textContent = msg('shown', shown);
  };
  if (search && searchForm) {
    search.addEventListener('input', filter);
    searchForm.addEventListener('submit', function (event) { event.preventDefault(); filter(); });
  }

  // What waited on this device since the last visit shows as it will be.
  queue.forEach(function (op) {
    if (op.kind === 'walk_in') {
      if (!itemFor(op)) addWaitingWalkIn(op);
    } else {
      var form = list.querySelector('form.tick-form[data-id="' + op.id + '"]');
      if (form) showTick(form, op.present);
    }
  });
  window.addEventListener('online', flush);
  window.addEventListener('offline', render);
  window.setInterval(flush, RETRY_EVERY);
  render();
  flush();
}());
