/* "Écouter": reads a page's main text aloud with the phone's own speech
   synthesis (the Web Speech API: nothing leaves the phone, nothing is
   fetched). Each button[data-listen-for="name"] reads, in page order, the
   elements marked data-listen="name", in the page's language (<html lang>).
   The buttons come without `hidden` only where speechSynthesis exists; a
   press starts reading and the button says "Arrêter"; a second press, the
   end of the text, or leaving the page stops it. The text is read sentence
   by sentence: some browsers stop a long utterance after about fifteen
   seconds. */
(function () {
  'use strict';
  var synth = window.speechSynthesis;
  if (!synth || !window.SpeechSynthesisUtterance) return;
  var buttons = document.querySelectorAll('button[data-listen-for]');
  if (!buttons.length) return;
  var lang = document.documentElement.getAttribute('lang') || 'fr';
  var playing = null;  // the button whose text is being read

  function label(button) { return button.querySelector('.listen-label') || button; }

  function show(button, reading) {
    var text = label(button);
    if (!button.hasAttribute('data-label-start')) button.setAttribute('data-label-start', text.textContent);
    text.textContent = button.getAttribute(reading ? 'data-label-stop' : 'data-label-start');
    button.classList.toggle('listen-on', reading);
  }

  function stop() {
    var button = playing;
    playing = null;
    synth.cancel();
    if (button) show(button, false);
  }

  function sentences(text) {
    var parts = text.replace(/\s+/g, ' ').trim().match(/[^.!?;:…]+[.!?;:…]*\s*/g) || [];
    var chunks = [];
    parts.forEach(function (part) {
      part = part.trim();
      while (part.length > 220) {  // no sentence end for a long while: cut at a space
        var cut = part.lastIndexOf(' ', 220);
        if (cut < 40) cut = 220;
        chunks.push(part.slice(0, cut));
        part = part.slice(cut).trim();
      }
      if (part) chunks.push(part);
    });
    return chunks;
  }

  function textOf(name) {
    var marked = document.querySelectorAll('[data-listen="' + name + '"]');
    var texts = [];
    for (var i = 0; i < marked.length; i++) {
      // innerText follows what is shown (no hidden text), with breaks between blocks.
      var t = (marked[i].innerText || marked[i].textContent || '').trim();
      if (t) texts.push(/[.!?:;…]$/.test(t) ? t : t + '.');
    }
    return texts.join('\n');
  }

  function read(button) {
    var chunks = sentences(textOf(button.getAttribute('data-listen-for')));
    if (!chunks.length) return;
    synth.cancel();
    playing = button;
    show(button, true);
    chunks.forEach(function (chunk, i) {
      var utterance = new SpeechSynthesisUtterance(chunk);
      utterance.lang = lang;
      if (i === chunks.length - 1) {
        utterance.onend = function () { if (playing === button) { playing = null; show(button, false); } };
      }
      utterance.onerror = function () { if (playing === button) { playing = null; show(button, false); } };
      synth.speak(utterance);
    });
  }

  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      if (playing === button) { stop(); return; }
      stop();
      read(button);
    });
  });
  window.addEventListener('pagehide', stop);
})();
