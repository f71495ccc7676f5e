/* Photos on a poor connection: for <input type=file data-shrink>, the chosen
   picture is drawn again on the phone at most 1600 px on its longest side
   and encoded as JPEG (quality 0.82, lower while it weighs more than 1 MB),
   and that smaller file replaces the chosen one before the form is sent.
   Under the field, an aria-live line says "Photo prête : 0,8 Mo (au lieu de
   4,2 Mo)". A picture the browser cannot read (HEIC on most browsers) or that
   would not get lighter is sent as chosen: the site's own checks and limits
   then apply, as they do when this script does not run. Included by the
   pages that carry such a field (the Content-Security-Policy allows no
   inline script). */
(function () {
  'use strict';
  if (window.laboPhotoLoaded) return;
  window.laboPhotoLoaded = true;

  var MAX_SIDE = 1600;
  var QUALITY = 0.82;
  var LOWEST_QUALITY = 0.5;
  var TARGET = 1024 * 1024;
  var MB = 1024 * 1024;

  var canShrink = (function () {
    try {
      return typeof DataTransfer === 'function' && new DataTransfer().items !== undefined
        && typeof HTMLCanvasElement.prototype.toBlob === 'function';
    } catch (e) { return false; }
  }());
  if (!canShrink) return;

  var english = (document.documentElement.getAttribute('lang') || '').indexOf('en') === 0;
  var TEXTS = english ? {
    working: 'Preparing the photo…',
    ready: 'Photo ready: {after} (was {before}).',
    kept: 'Photo ready: {before}.',
    unread: 'Photo chosen: {before}. It will be sent as it is.',
  } : {
    working: 'Préparation de la photo…',
    ready: 'Photo prête : {after} (au lieu de {before}).',
    kept: 'Photo prête : {before}.',
    unread: 'Photo choisie : {before}. Elle sera envoyée telle quelle.',
  };

  var size = function (bytes) {
    var value = bytes / MB;
    var digits = value < 10 ? 1 : 0;
    try {
      return value.toLocaleString(english ? 'en-GB' : 'fr-FR',
        { minimumFractionDigits: digits, maximumFractionDigits: digits }) + (english ? ' MB' : ' Mo');
    } catch (e) {
      var text = value.toFixed(digits);
      return (english ? text : text.replace('.', ',')) + (english ? ' MB' : ' Mo');
    }
  };
  var say = function (line, text, sizes) {
    line.textContent = text.replace('{after}', size(sizes.after || 0)).replace('{before}', size(sizes.before || 0));
  };

  // The picture as pixels, turned the right way up (EXIF orientation). Not through a
  // blob: address, which the Content-Security-Policy (img-src 'self' data:) refuses.
  var decode = function (file) {
    if (typeof createImageBitmap === 'function') {
      return createImageBitmap(file, { imageOrientation: 'from-image' })
        .catch(function () { return createImageBitmap(file); })
        .then(function (bitmap) { return { image: bitmap, width: bitmap.width, height: bitmap.height }; });
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = function () { reject(new Error('unreadable')); };
      reader.onload = function () {
        var image = new Image();
        image.onload = function () { resolve({ image: image, width: image.naturalWidth, height: image.naturalHeight }); };
        image.onerror = function () { reject(new Error('unreadable')); };
        image.src = reader.result;  // a data: address, allowed for images
      };
      reader.readAsDataURL(file);
    });
  };

  var encode = function (canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, 'image/jpeg', quality); });
  };

  var shrink = function (file) {
    return decode(file).then(function (decoded) {
      var image = decoded.image;
      var width = decoded.width;
      var height = decoded.height;
      if (!width || !height) throw new Error('unreadable');
      if (file.size <= TARGET && Math.max(width, height) <= MAX_SIDE && file.type === 'image/jpeg') return null;
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      var canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      var context = canvas.getContext('2d');
      context.fillStyle = '#fff';  // a transparent PNG gets a white background, not a black one
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      if (typeof image.close === 'function') image.close();  // an ImageBitmap's memory, at once
      var attempt = function (quality) {
        return encode(canvas, quality).then(function (blob) {
          if (blob && blob.size > TARGET && quality - 0.12 >= LOWEST_QUALITY) return attempt(quality - 0.12);
          return blob;
        });
      };
      return attempt(QUALITY);
    });
  };

  var statusLine = function (input) {
    var line = document.createElement('p');
    line.className = 'help photo-status';
    line.id = (input.id || input.name || 'photo') + '-ready';
    line.setAttribute('aria-live', 'polite');
    input.insertAdjacentElement('afterend', line);
    var described = input.getAttribute('aria-describedby');
    input.setAttribute('aria-describedby', (described ? described + ' ' : '') + line.id);
    return line;
  };

  document.querySelectorAll('input[type=file][data-shrink]').forEach(function (input) {
    var line = statusLine(input);
    var pending = null;
    var form = input.form;

    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      line.textContent = '';
      if (!file) return;
      var before = file.size;
      say(line, TEXTS.working, { before: before });
      var job = shrink(file).then(function (blob) {
        if (!blob || blob.size >= before) {
          say(line, TEXTS.kept, { before: before });
          return;
        }
        var name = (file.name || 'photo').replace(/\.[^.]*$/, '') + '.jpg';
        var smaller = new File([blob], name, { type: 'image/jpeg', lastModified: Date.now() });
        var transfer = new DataTransfer();
        transfer.items.add(smaller);
        input.files = transfer.files;  // sets no "change" event: no second round
        say(line, TEXTS.ready, { before: before, after: smaller.size });
      }, function () {
        say(line, TEXTS.unread, { before: before });  // HEIC, a broken file: the server decides
      });
      pending = job;
      job.then(function () { if (pending === job) pending = null; });
    });

    // Sent while the photo is still being prepared: wait for it, then send.
    if (form) {
      form.addEventListener('submit', function (event) {
        if (!pending) return;
        event.preventDefault();
        var submitter = event.submitter;
        pending.then(function () {
          pending = null;
          if (typeof form.requestSubmit === 'function') form.requestSubmit(submitter || undefined);
          else form.submit();
        });
      });
    }
  });
}());
