/* Capturing findings during a walking diagnostic, on a phone in the street
   where the network comes and goes. The page works with its form alone
   (it posts the finding as it is); this script adds:
   - "Ajouter ma position": the phone's position, only when the person taps
     the button (navigator.geolocation), rounded to 4 decimals (about 11 m);
     nothing is asked otherwise, and the street name is enough;
   - a queue kept in localStorage, per walk: each finding is kept on the
     phone (its photo as a smaller JPEG, as data) and sent when the network
     is there: at once, when it comes back, when the page loads, and every
     few seconds. Each finding carries a key made here, which the server
     keeps (UNIQUE per walk): sending it again never makes a second one.
   Its texts come from data- attributes of #walk-capture, in the page's language. */
(function () {
  'use strict';
  var root = document.getElementById('walk-capture');
  if (!root || !window.fetch || !window.FormData || !window.JSON || !window.LaboStore) return;
  if (!window.crypto || !window.crypto.getRandomValues) return;  // the plain form does it all

  var KEY = 'labo-walk:' + root.getAttribute('data-walk');
  var RETRY_EVERY = 15000;
  var PHOTO_SIDE = 1280;   // the longest side of the copy kept on the phone
  var PHOTO_QUALITY = 0.72;
  var DIGITS = 4;
  var form = document.getElementById('finding-form');
  var list = document.getElementById('walk-queue');
  var statusBox = document.getElementById('walk-sync');
  var msg = function (name, n) {
    return (root.getAttribute('data-msg-' + name) || '').replace('{n}', String(n));
  };
  var field = function (name) { return form.querySelector('[name=' + name + ']'); };

  // --- the queue ----------------------------------------------------------

  var store = window.LaboStore(KEY);  // static/js/store.js
  var queue = store.load();
  var full = false;
  var persist = function () {
    full = !store.save(queue);  // storage full: the queue stays in memory while the page is open
  };

  var randomKey = window.LaboStore.randomKey;

  // --- the list of "my findings" -------------------------------------------

  var itemFor = function (op) { return list.querySelector('li[data-key="' + op.key + '"]'); };

  var addItem = function (op) {
    var empty = list.querySelector('li.empty');
    if (empty) empty.parentNode.removeChild(empty);
    var item = document.createElement('li');
    item.setAttribute('data-key', op.key);
    var tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = op.category_label;
    item.appendChild(tag);
    item.appendChild(document.createTextNode(' ' + op.text + ' '));
    list.appendChild(item);
    return item;
  };

  var mark = function (item, text, className) {
    var old = item.querySelector('.pending-mark, .sent-mark');
    if (old) old.parentNode.removeChild(old);
    var span = document.createElement('span');
    span.className = className;
    span.textContent = text;
    item.appendChild(span);
  };

  var problem = null;   // 'login' | null
  var refusal = '';     // the last refusal's message
  var sentSomething = false;

  var render = function () {
    queue.forEach(function (op) {
      var item = itemFor(op) || addItem(op);
      mark(item, msg('pending'), 'tag pending-mark');
    });
    var text = '';
    if (problem === 'login') text = msg('login');
    else if (queue.length) text = msg(queue.length === 1 ? 'waiting-one' : 'waiting', queue.length) + (full ? ' ' + msg('full') : '');
    else if (refusal) text = msg('rejected') + ' ' + refusal;
    else if (sentSomething) text = msg('sent');
    statusBox.hidden = !text;
    statusBox.classList.toggle('notice-warn', !!problem || !!refusal || queue.length > 0);
    if (statusBox.textContent !== text) statusBox.textContent = text;
  };

  // --- sending ------------------------------------------------------------

  var csrfToken = function () {
    var input = form.querySelector('input[name=csrf_token]');
    return input ? input.value : '';
  };

  var dataToBlob = function (dataUrl) {
    var parts = dataUrl.split(',');
    var type = (parts[0].match(/data:([^;]+)/) || [])[1] || 'image/jpeg';
    var binary = window.atob(parts[1] || '');
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return new Blob([bytes], { type: type });
  };

  var send = function (op) {
    var body = new FormData();
    body.append('csrf_token', csrfToken());
    body.append('client_key', op.key);
    body.append('category', op.category);
    body.append('text', op.text);
    body.append('street', op.street || '');
    body.append('latitude', op.latitude == null ? '' : String(op.latitude));
    body.append('longitude', op.longitude == null ? '' : String(op.longitude));
    if (op.photo) body.append('photo', dataToBlob(op.photo), 'photo.jpg');
    return fetch(form.action, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    }).then(function (response) {
      var json = (response.headers.get('Content-Type') || '').indexOf('application/json') === 0;
      if (response.ok && json) return { done: true };
      if (response.ok) return { wait: true, login: true };  // sent to the login page
      if (response.status === 400) return { wait: true, refresh: true };  // the form's token expired
      if (response.status === 429 || response.status >= 500) return { wait: true };
      if (json) return response.json().then(function (data) { return { rejected: true, error: data.error || '' }; });
      return { rejected: true, error: '' };  // 403, 404, 413, 422: sending again would not help
    }, function () {
      return { wait: true };  // no network
    });
  };

  var refreshToken = function () {
    return fetch(window.location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, 'text/html');
        var input = page.querySelector('#finding-form input[name=csrf_token]');
        if (!input) return;
        var mine = form.querySelector('input[name=csrf_token]');
        mine.value = input.value;
        mine.setAttribute('value', input.value);  // kept when the form is reset
      }, function () {});
  };

  var dequeue = function (op) {
    queue = queue.filter(function (o) { return o.key !== op.key; });
    persist();
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
        var item = itemFor(op);
        if (result.done) {
          dequeue(op);
          problem = null;
          sentSomething = true;
          if (item) mark(item, msg('done'), 'status status-retenue sent-mark');
          step();
        } else if (result.rejected) {
          dequeue(op);
          refusal = result.error || '';
          if (item) item.parentNode.removeChild(item);
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

  // --- the position, only when asked ---------------------------------------

  var positionBox = document.getElementById('walk-position');
  var addPosition = document.getElementById('add-position');
  var removePosition = document.getElementById('remove-position');
  var positionState = document.getElementById('position-state');
  var round = function (value) { var f = Math.pow(10, DIGITS); return Math.round(value * f) / f; };
  var clearPosition = function () {
    field('latitude').value = '';
    field('longitude').value = '';
    positionState.textContent = '';
    removePosition.hidden = true;
    addPosition.hidden = false;
  };
  if (navigator.geolocation && positionBox) {
    positionBox.hidden = false;
    addPosition.addEventListener('click', function () {
      positionState.textContent = msg('locating');
      navigator.geolocation.getCurrentPosition(function (position) {
        field('latitude').value = String(round(position.coords.latitude));
        field('longitude').value = String(round(position.coords.longitude));
        positionState.textContent = msg('located');
        addPosition.hidden = true;
        removePosition.hidden = false;
        removePosition.focus();
      }, function () {
        clearPosition();
        positionState.textContent = msg('no-position');
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
    removePosition.addEventListener('click', function () { clearPosition(); addPosition.focus(); });
  }

  // --- the photo, made smaller to keep on the phone -------------------------

  var shrink = function (file) {
    if (!file) return Promise.resolve(null);
    var draw = function (source, width, height) {
      var scale = Math.min(1, PHOTO_SIDE / Math.max(width, height));
      var canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      canvas.getContext('2d').drawImage(source, 0, 0, canvas.width, canvas.height);
      // a new JPEG from the pixels: no EXIF, no GPS (the server strips them again anyway)
      return canvas.toDataURL('image/jpeg', PHOTO_QUALITY);
    };
    if (window.createImageBitmap) {
      return window.createImageBitmap(file, { imageOrientation: 'from-image' })
        .then(function (bitmap) { return draw(bitmap, bitmap.width, bitmap.height); }, function () { return null; });
    }
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () {
        var image = new Image();
        image.onload = function () { resolve(draw(image, image.naturalWidth, image.naturalHeight)); };
        image.onerror = function () { resolve(null); };
        image.src = reader.result;
      };
      reader.onerror = function () { resolve(null); };
      reader.readAsDataURL(file);
    });
  };

  // --- the form -------------------------------------------------------------

  var invalid = function (input, text) {
    statusBox.hidden = false;
    statusBox.classList.add('notice-warn');
    statusBox.textContent = text;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var category = field('category');
    var text = field('text');
    var street = field('street');
    [category, text, street].forEach(function (input) { input.removeAttribute('aria-invalid'); });
    var sentence = text.value.replace(/\s+/g, ' ').trim();
    var lat = field('latitude').value;
    var lon = field('longitude').value;
    if (!category.value) { invalid(category, msg('category')); return; }
    if (!sentence) { invalid(text, msg('text')); return; }
    if (!street.value.trim() && !(lat && lon)) { invalid(street, msg('place')); return; }
    var photoInput = field('photo');
    var file = photoInput && photoInput.files && photoInput.files[0];
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    shrink(file).then(function (photo) {
      if (file && !photo && navigator.onLine !== false) {
        // A photo this browser cannot read (HEIC on some phones): the network is
        // here, so the form goes as it is and the site reads the photo or says why.
        button.disabled = false;
        HTMLFormElement.prototype.submit.call(form);
        return;
      }
      var op = {
        key: randomKey(), category: category.value,
        category_label: category.options[category.selectedIndex].text,
        text: sentence.slice(0, 500), street: street.value.trim().slice(0, 160),
        latitude: lat ? Number(lat) : null, longitude: lon ? Number(lon) : null, photo: photo,
      };
      queue.push(op);
      persist();
      addItem(op);
      form.reset();
      clearPosition();
      positionState.textContent = file && !photo ? msg('no-photo') : msg('kept');
      refusal = '';
      button.disabled = false;
      render();
      flush();
    });
  });

  window.addEventListener('online', flush);
  window.addEventListener('offline', render);
  window.setInterval(flush, RETRY_EVERY);
  render();
  flush();
}());
