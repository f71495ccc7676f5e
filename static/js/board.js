/* The live board, over Socket.IO (the official socket.io-client, served from
   static/vendor). One script for the three screens of #live-board:
   - "phone": posts notes and places dots; unsent notes wait in localStorage
     (per board) and leave by themselves when the network comes back, each
     with an id made here, so a resend never makes a second note;
   - "projector": shows the board, the phase and the countdown;
   - "console": the animator steers, moderates, groups by dragging.
   Without this script (or without the vendor file) every page still works
   with its forms. On each (re)connection the server sends the whole board
   ("state"): the screen is drawn again from it. Texts come from data-
   attributes in the page's language. The protocol: docs/realtime.md. */
(function () {
  'use strict';
  var root = document.getElementById('live-board');
  if (!root || !window.JSON || !document.querySelector) return;

  var view = root.getAttribute('data-view');
  var boardId = parseInt(root.getAttribute('data-board'), 10);
  var token = root.getAttribute('data-token');
  var statusBox = document.getElementById('live-status');
  var renderBox = document.getElementById('board-render');
  var data = function (name) { return root.getAttribute('data-' + name) || ''; };
  var msg = function (name, t) { return data('msg-' + name).replace('{t}', t === undefined ? '' : t); };
  var plural = function (name, n) {
    var one = data('plural') === 'fr' ? n <= 1 : n === 1;
    return data('msg-' + name + (one ? '-one' : '-many')).replace('{n}', String(n));
  };
  var el = function (tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') node.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };
  var setStatus = function (text, state) {
    if (!statusBox) return;
    statusBox.textContent = text;
    statusBox.setAttribute('data-state', state || '');
  };

  // --- the board as last received -------------------------------------------
  var model = { board: null, columns: [], groups: {}, notes: {}, dots: { note: {}, group: {} }, dotsCast: 0, counts: {}, participants: 0 };
  var me = null;  // a phone's own: dots left, dots placed, its notes

  var loadState = function (state) {
    model.board = state.board;
    model.columns = state.columns;
    model.groups = {};
    state.groups.forEach(function (g) { model.groups[g.id] = g; });
    model.notes = {};
    state.notes.forEach(function (n) { model.notes[n.id] = n; });
    model.dots = state.dots;
    model.dotsCast = state.dots_cast || 0;
    model.counts = state.counts;
    model.participants = state.participants;
  };

  // --- drawing ------------------------------------------------------------------
  var pending = false;
  var render = function () {
    if (pending) return;
    pending = true;
    (window.requestAnimationFrame || window.setTimeout)(function () { pending = false; draw(); });
  };

  var visibleNotes = function () {
    var notes = {};
    Object.keys(model.notes).forEach(function (id) { notes[id] = model.notes[id]; });
    if (me) me.notes.forEach(function (n) { if (!n.hidden) notes[n.id] = n; });
    return Object.keys(notes).map(function (id) { return notes[id]; }).sort(function (a, b) { return a.id - b.id; });
  };

  // What the animator typed or chose in the board's own fields (a group's
  // title, the "group with" list): the board is drawn again at every note
  // that arrives, and must not wipe it. A title stays until its rename is saved.
  var drafts = {};
  var draftOf = function (id, fallback) { return Object.prototype.hasOwnProperty.call(drafts, id) ? drafts[id] : fallback; };

  var dotCount = function (kind, id) { return (model.dots[kind] || {})[String(id)] || 0; };
  var myDots = function (kind, id) { return me ? ((me.dots[kind] || {})[String(id)] || 0) : 0; };
  var isFocus = function (kind, id) { var f = model.board.focus; return !!(f && f.kind === kind && f.id === id); };

  var dotButtons = function (kind, id) {
    var box = el('div', { class: 'dot-actions' });
    var mine = myDots(kind, id);
    if (mine) box.appendChild(el('p', { class: 'dots-mine' }, plural('mine', mine)));
    var place = el('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-dot': 'place',
      'data-kind': kind, 'data-id': id, disabled: !me || !me.dots_left || model.board.locked }, msg('place'));
    box.appendChild(place);
    if (mine) {
      box.appendChild(el('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-dot': 'remove',
        'data-kind': kind, 'data-id': id, disabled: model.board.locked }, msg('remove')));
    }
    return box;
  };

  var targetsFor = function (note) {
    var select = el('select', { id: 'live-target-' + note.id, 'data-group-select': note.id, 'data-draft': '1' });
    if (note.group) select.appendChild(el('option', { value: 'seul' }, msg('ungroup')));
    Object.keys(model.groups).forEach(function (gid) {
      if (String(note.group) !== gid) select.appendChild(el('option', { value: 'g' + gid }, msg('group-prefix', model.groups[gid].title)));
    });
    visibleNotes().forEach(function (other) {
      if (other.id !== note.id && !other.hidden) select.appendChild(el('option', { value: 'n' + other.id }, other.text.slice(0, 60)));
    });
    var chosen = draftOf(select.id, null);
    if (chosen !== null && select.querySelector('option[value="' + chosen + '"]')) select.value = chosen;
    return select;
  };

  var noteTools = function (note) {
    var tools = el('details', { class: 'note-tools' });
    var summary = el('summary', {}, msg('actions'));
    summary.appendChild(el('span', { class: 'visually-hidden' }, ' — ' + note.text.slice(0, 40)));
    tools.appendChild(summary);
    var row = el('div', { class: 'tool-form' });
    row.appendChild(el('label', { for: 'live-target-' + note.id }, msg('group-with')));
    row.appendChild(targetsFor(note));
    row.appendChild(el('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-act': 'group', 'data-note': note.id }, msg('group')));
    tools.appendChild(row);
    tools.appendChild(el('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-act': 'hide',
      'data-note': note.id, 'data-hidden': note.hidden ? '0' : '1' }, note.hidden ? msg('show') : msg('hide')));
    tools.appendChild(el('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-act': 'focus',
      'data-kind': 'note', 'data-id': note.id }, msg('focus')));
    return tools;
  };

  var noteCard = function (note) {
    var li = el('li', { class: 'note' + (note.hidden ? ' note-hidden' : '') + (isFocus('note', note.id) ? ' is-focus' : ''),
      id: 'note-' + note.id, 'data-note': note.id });
    if (view === 'console') { li.setAttribute('draggable', 'true'); }
    li.appendChild(el('p', { class: 'note-text' }, note.text));
    if (note.author) li.appendChild(el('p', { class: 'note-author' }, note.author));
    if (note.hidden) li.appendChild(el('p', { class: 'note-flag' }, msg('hidden')));
    var n = dotCount('note', note.id);
    if (n) li.appendChild(el('p', { class: 'dots-count' }, plural('dots', n)));
    if (view === 'phone' && model.board.phase === 'voting') li.appendChild(dotButtons('note', note.id));
    if (view === 'console') li.appendChild(noteTools(note));
    return li;
  };

  var groupBox = function (group, notes) {
    var box = el('div', { class: 'note-group' + (isFocus('group', group.id) ? ' is-focus' : ''), id: 'group-' + group.id,
      'data-group': group.id });
    box.appendChild(el('h3', {}, group.title));
    var n = dotCount('group', group.id);
    if (n) box.appendChild(el('p', { class: 'dots-count' }, plural('group-dots', n)));
    if (view === 'phone' && model.board.phase === 'voting') box.appendChild(dotButtons('group', group.id));
    if (view === 'console') {
      var row = el('div', { class: 'tool-form' });
      row.appendChild(el('label', { for: 'live-group-title-' + group.id }, msg('group-title')));
      row.appendChild(el('input', { type: 'text', id: 'live-group-title-' + group.id, maxlength: '80', 'data-draft': '1',
        value: draftOf('live-group-title-' + group.id, group.title) }));
      row.appendChild(el('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-act': 'rename', 'data-group': group.id }, msg('rename')));
      row.appendChild(el('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-act': 'focus',
        'data-kind': 'group', 'data-id': group.id }, msg('focus')));
      box.appendChild(row);
    }
    var list = el('ul', { class: 'notes' });
    notes.forEach(function (note) { list.appendChild(noteCard(note)); });
    box.appendChild(list);
    return box;
  };

  var drawBoard = function () {
    var notes = visibleNotes();
    var wrap = el('div', { class: 'board-columns', id: 'board-columns' });
    model.columns.forEach(function (column) {
      var section = el('section', { class: 'board-column', 'aria-labelledby': 'col-' + column.id });
      section.appendChild(el('h2', { id: 'col-' + column.id }, column.title));
      if (model.board.private_writing && view !== 'console') {
        section.appendChild(el('p', { class: 'private-count' }, plural('written', model.counts[String(column.id)] || 0)));
      }
      Object.keys(model.groups).map(function (id) { return model.groups[id]; })
        .filter(function (g) { return g.column === column.id; })
        .sort(function (a, b) { return a.id - b.id; })
        .forEach(function (group) {
          section.appendChild(groupBox(group, notes.filter(function (n) { return n.group === group.id; })));
        });
      var loose = el('ul', { class: 'notes', 'data-column': column.id });
      notes.forEach(function (note) {
        if (note.column === column.id && !(note.group && model.groups[note.group])) loose.appendChild(noteCard(note));
      });
      section.appendChild(loose);
      wrap.appendChild(section);
    });
    // Keep the focus (keyboard, an open "Actions", the caret in a field) across a redraw.
    var active = document.activeElement && document.activeElement.id;
    var caret = null;
    try { if (active && typeof document.activeElement.selectionStart === 'number') caret = [document.activeElement.selectionStart, document.activeElement.selectionEnd]; }
    catch (e) { caret = null; }
    var open = Array.prototype.map.call(renderBox.querySelectorAll('details[open]'), function (d) {
      return d.parentNode && d.parentNode.id;
    });
    renderBox.textContent = '';
    renderBox.appendChild(wrap);
    open.forEach(function (id) { var li = id && document.getElementById(id); var d = li && li.querySelector('details'); if (d) d.open = true; });
    var again = active && document.getElementById(active);
    if (again) {
      again.focus();
      if (caret) { try { again.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not a text field */ } }
    }
  };

  // --- the projector: the wall of the hall ----------------------------------------
  // The whole screen, never a page that scrolls (static/css/board.css): each
  // column shows its newest note first; while people join (writing, no note
  // yet) the code and QR code are drawn large, then as a strip. The vote
  // keeps the notes' order, not the dots' (no ranking to herd the room),
  // unless the animator chose to rank them as the dots land, or to show
  // nothing but how many were placed (a blind vote); the synthesis ranks
  // groups and lone notes by dots, the focus drawn large.
  // A note or a dot that just arrived stands out for FRESH_MS.
  var FRESH_MS = 6000;
  var arrivedAt = {};
  var drawnOnce = false;
  var freshTimer = null;
  var fresh = function (key, value) {
    var before = arrivedAt[key];
    if (!before || before.value < value) arrivedAt[key] = { value: value, at: drawnOnce ? Date.now() : 0 };
    else if (before.value > value) arrivedAt[key] = { value: value, at: before.at };
    var young = Date.now() - arrivedAt[key].at < FRESH_MS;
    if (young && !freshTimer) freshTimer = window.setTimeout(function () { freshTimer = null; render(); }, FRESH_MS);
    return young;
  };
  var columnTitle = function (id) {
    var c = model.columns.filter(function (col) { return col.id === id; })[0];
    return c ? c.title : '';
  };
  var notesTotal = function () {
    var n = 0;
    Object.keys(model.counts || {}).forEach(function (k) { n += model.counts[k]; });
    return Math.max(n, Object.keys(model.notes).length);
  };

  var projectorDots = function (kind, id, text) {
    var n = dotCount(kind, id);
    if (!n) return null;
    return el('p', { class: 'dots-count' + (fresh('d' + kind + id, n) ? ' is-fresh' : '') }, text || plural('dots', n));
  };

  var projectorNote = function (note) {
    var li = el('li', { class: 'note' + (isFocus('note', note.id) ? ' is-focus' : '') + (fresh('n' + note.id, 1) ? ' is-fresh' : ''),
      id: 'note-' + note.id, 'data-note': note.id });
    li.appendChild(el('p', { class: 'note-text' }, note.text));
    if (note.author) li.appendChild(el('p', { class: 'note-author' }, note.author));
    var dots = projectorDots('note', note.id);
    if (dots) li.appendChild(dots);
    return li;
  };

  var projectorColumns = function (notes) {
    var wrap = el('div', { class: 'board-columns', id: 'board-columns' });
    var newestFirst = function (a, b) { return b.id - a.id; };
    var groupDots = function (g) {
      var sum = dotCount('group', g.id);
      notes.forEach(function (n) { if (n.group === g.id) sum += dotCount('note', n.id); });
      return sum;
    };
    var ranked = model.board.phase === 'voting' && model.board.vote_display === 'ranked';
    var noteOrder = ranked ? function (a, b) { return dotCount('note', b.id) - dotCount('note', a.id) || b.id - a.id; } : newestFirst;
    var groupOrder = ranked ? function (a, b) { return groupDots(b) - groupDots(a) || b.id - a.id; } : newestFirst;
    model.columns.forEach(function (column) {
      var mine = notes.filter(function (n) { return n.column === column.id; });
      var count = model.board.private_writing ? (model.counts[String(column.id)] || 0) : mine.length;
      var section = el('section', { class: 'board-column', 'aria-labelledby': 'col-' + column.id, tabindex: '0' });
      var h2 = el('h2', { id: 'col-' + column.id });
      h2.appendChild(el('span', { class: 'column-title' }, column.title));
      h2.appendChild(document.createTextNode(' '));
      h2.appendChild(el('span', { class: 'column-count' }, plural('notes', count)));
      section.appendChild(h2);
      if (model.board.private_writing) section.appendChild(el('p', { class: 'private-count' }, plural('written', count)));
      Object.keys(model.groups).map(function (id) { return model.groups[id]; })
        .filter(function (g) { return g.column === column.id; })
        .sort(groupOrder)
        .forEach(function (group) {
          var box = el('div', { class: 'note-group' + (isFocus('group', group.id) ? ' is-focus' : ''), id: 'group-' + group.id });
          box.appendChild(el('h3', {}, group.title));
          var dots = projectorDots('group', group.id, plural('group-dots', dotCount('group', group.id)));
          if (dots) box.appendChild(dots);
          var list = el('ul', { class: 'notes' });
          var inside = notes.filter(function (n) { return n.group === group.id; });
          if (ranked) inside.sort(noteOrder);
          inside.forEach(function (n) { list.appendChild(projectorNote(n)); });
          box.appendChild(list);
          section.appendChild(box);
        });
      var loose = el('ul', { class: 'notes', 'data-column': column.id });
      mine.filter(function (n) { return !(n.group && model.groups[n.group]); }).sort(noteOrder)
        .forEach(function (n) { loose.appendChild(projectorNote(n)); });
      section.appendChild(loose);
      wrap.appendChild(section);
    });
    return wrap;
  };

  // Groups (their own dots and their notes') and lone notes, most dots first;
  // on a tie, groups before notes, then the oldest first (as the server draws it).
  var rankedItems = function (notes) {
    var items = [];
    Object.keys(model.groups).map(function (id) { return model.groups[id]; })
      .sort(function (a, b) { return a.id - b.id; })
      .forEach(function (g) {
        var inside = notes.filter(function (n) { return n.group === g.id; });
        var sum = dotCount('group', g.id);
        inside.forEach(function (n) { sum += dotCount('note', n.id); });
        items.push({ kind: 'group', id: g.id, text: g.title, column: g.column, dots: sum, notes: inside });
      });
    notes.forEach(function (n) {
      if (!(n.group && model.groups[n.group])) items.push({ kind: 'note', id: n.id, text: n.text, column: n.column, dots: dotCount('note', n.id), notes: [] });
    });
    items.forEach(function (item, i) { item.order = i; });
    return items.sort(function (a, b) { return b.dots - a.dots || a.order - b.order; });
  };

  var where = function (item) {
    return columnTitle(item.column) + (item.kind === 'group' ? ' · ' + plural('group-of', item.notes.length) : '');
  };

  var projectorSynthesis = function (notes) {
    var items = rankedItems(notes);
    var f = model.board.focus;
    var focused = f ? items.filter(function (i) { return i.kind === f.kind && i.id === f.id; })[0] : null;
    var wrap = el('div', { class: 'synthesis' + (focused ? ' has-focus' : '') });
    if (focused) {
      var big = el('section', { class: 'synthesis-focus', 'aria-labelledby': 'focus-title' });
      big.appendChild(el('p', { class: 'rank-where' }, where(focused)));
      big.appendChild(el('h2', { id: 'focus-title' }, focused.text));
      big.appendChild(el('p', { class: 'dots-count' }, plural('dots', focused.dots)));
      if (focused.notes.length) {
        var ul = el('ul', { class: 'focus-notes' });
        focused.notes.forEach(function (n) { ul.appendChild(el('li', {}, n.text)); });
        big.appendChild(ul);
      }
      wrap.appendChild(big);
    }
    var ranking = el('section', { class: 'ranking', 'aria-labelledby': 'ranking-title', tabindex: '0' });
    ranking.appendChild(el('h2', { id: 'ranking-title' }, msg('ranking')));
    var ol = el('ol', { class: 'ranked-list' });
    items.forEach(function (item) {
      // Every note is an li.note, as in the other phases: a lone note is its own line, a group's are listed in it.
      var lone = item.kind === 'note';
      var li = el('li', { class: 'ranked ranked-' + item.kind + (lone ? ' note' : '') + (focused === item ? ' is-focus' : ''),
        id: (lone ? 'note-' : 'group-') + item.id, 'data-note': lone ? item.id : null,
        'data-dots': item.dots, 'data-kind': item.kind, 'data-id': item.id });
      li.appendChild(el('span', { class: 'rank-dots' + (lone ? ' dots-count' : '') }, plural('dots', item.dots)));
      li.appendChild(el('span', { class: 'rank-text' }, item.text));
      li.appendChild(el('span', { class: 'rank-where' }, where(item)));
      if (item.notes.length) {
        var inside = el('ul', { class: 'ranked-notes' });
        item.notes.forEach(function (n) {
          var sub = el('li', { class: 'note', id: 'note-' + n.id, 'data-note': n.id });
          sub.appendChild(el('span', { class: 'note-text' }, n.text));
          var own = dotCount('note', n.id);
          if (own) { sub.appendChild(document.createTextNode(' ')); sub.appendChild(el('span', { class: 'dots-count' }, plural('dots', own))); }
          inside.appendChild(sub);
        });
        li.appendChild(inside);
      }
      ol.appendChild(li);
    });
    ranking.appendChild(ol);
    wrap.appendChild(ranking);
    return wrap;
  };

  var drawProjector = function () {
    var b = model.board;
    root.setAttribute('data-phase', b.phase);
    root.setAttribute('data-stage', b.phase === 'writing' && notesTotal() === 0 ? 'joining' : 'board');
    var notes = visibleNotes();
    var scrolled = {};
    Array.prototype.forEach.call(renderBox.querySelectorAll('[aria-labelledby]'), function (s) {
      scrolled[s.getAttribute('aria-labelledby')] = s.scrollTop;
    });
    renderBox.textContent = '';
    renderBox.appendChild(b.phase === 'synthesis' ? projectorSynthesis(notes) : projectorColumns(notes));
    // A column someone scrolled by hand stays where it was; the others show the newest.
    Array.prototype.forEach.call(renderBox.querySelectorAll('[aria-labelledby]'), function (s) {
      var top = scrolled[s.getAttribute('aria-labelledby')];
      if (top) s.scrollTop = top;
    });
    drawnOnce = true;
  };

  // --- phase, timer, lock, focus ------------------------------------------------------
  var timerEnd = null;
  var timerBox = document.getElementById('timer');
  var tick = function () {
    if (!timerBox) return;
    if (timerEnd === null) { timerBox.hidden = true; return; }
    var left = Math.max(0, Math.round((timerEnd - Date.now()) / 1000));
    timerBox.hidden = false;
    timerBox.textContent = left > 0 ? msg('timer', Math.floor(left / 60) + ':' + ('0' + (left % 60)).slice(-2)) : msg('timeup');
    timerBox.classList.toggle('is-over', left === 0);
  };
  window.setInterval(tick, 1000);

  var drawBoardInfo = function () {
    var b = model.board;
    var label = document.getElementById('phase-label');
    var help = document.getElementById('phase-help');
    if (label) label.textContent = data('phase-' + b.phase);
    if (help) help.textContent = data('phase-' + b.phase + '-help');
    timerEnd = b.timer_left === null || b.timer_left === undefined ? null : Date.now() + b.timer_left * 1000;
    tick();
    var locked = document.getElementById('locked-notice');
    if (locked) locked.hidden = !b.locked;
    var write = document.getElementById('ecrire');
    if (write) write.hidden = b.phase !== 'writing';
    var left = document.getElementById('dots-left');
    if (left) { left.hidden = b.phase !== 'voting'; if (me) left.textContent = plural('left', me.dots_left); }
    var people = document.getElementById('people-count');
    if (people) people.textContent = plural('people', model.participants);
    var cast = document.getElementById('dots-cast');
    if (cast) { cast.hidden = !b.results_hidden; cast.textContent = plural('cast', model.dotsCast); }
    var blind = document.getElementById('blind-notice');
    if (blind) blind.hidden = !b.results_hidden;
    var privateNotice = document.getElementById('private-notice');
    if (privateNotice) privateNotice.hidden = !b.private_writing;
    var banner = document.getElementById('focus-banner');
    if (banner) {
      var f = b.focus;
      var target = f && (f.kind === 'group' ? model.groups[f.id] : (model.notes[f.id] || null));
      // The projector's synthesis draws the focus large: no banner there.
      banner.hidden = !target || (view === 'projector' && b.phase === 'synthesis');
      if (target) {
        banner.textContent = msg('looking') + ' ' + (target.title || target.text);
      }
    }
  };

  var followFocus = function () {
    var f = model.board && model.board.focus;
    if (!f || view === 'console') return;
    var node = document.getElementById((f.kind === 'group' ? 'group-' : 'note-') + f.id);
    if (node && node.scrollIntoView) node.scrollIntoView({ block: 'center', behavior: 'smooth' });
  };

  var draw = function () {
    if (!model.board) return;
    drawBoardInfo();
    if (view === 'projector') drawProjector();
    else drawBoard();
  };

  // --- the phone's outbox -----------------------------------------------------------
  var storage = null;
  try { storage = window.localStorage; storage.setItem('labo-board:test', '1'); storage.removeItem('labo-board:test'); }
  catch (e) { storage = null; }
  var OUTBOX = 'labo-board-outbox:' + boardId;
  var outbox = [];
  if (storage && view === 'phone') {
    try { outbox = JSON.parse(storage.getItem(OUTBOX) || '[]'); } catch (e) { outbox = []; }
    if (!Array.isArray(outbox)) outbox = [];
  }
  var outboxBox = document.getElementById('outbox');
  var saveOutbox = function () {
    if (storage) {
      try { if (outbox.length) storage.setItem(OUTBOX, JSON.stringify(outbox)); else storage.removeItem(OUTBOX); }
      catch (e) { /* full: the outbox stays in memory */ }
    }
    if (outboxBox) outboxBox.textContent = outbox.length ? plural('pending', outbox.length) : '';
  };
  var newKey = function () {
    if (window.crypto && window.crypto.getRandomValues) {
      var bytes = new Uint8Array(12);
      window.crypto.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
    }
    return String(Date.now()) + String(Math.random()).slice(2, 12);
  };

  // --- the connection --------------------------------------------------------------
  if (!window.io) return;  // no vendor file: the forms do everything
  setStatus(msg('connecting'), 'connecting');
  var auth = view === 'phone' ? { board: boardId, token: token } : { board: boardId, view: view === 'console' ? 'animator' : 'projector' };
  var socket = window.io('/board', { transports: ['websocket', 'polling'], auth: auth });
  var ACK_TIMEOUT = 8000;
  var RETRY_FIRST = 1000;  // then twice as long at each failure, up to RETRY_MOST
  var RETRY_MOST = 15000;

  var send = function (event, payload, done) {
    socket.timeout(ACK_TIMEOUT).emit(event, payload, function (err, answer) {
      if (err) { done && done(null, true); return; }
      done && done(answer, false);
    });
  };

  // Where the script's own messages go: the page's #live-notices, or the board's top.
  var notices = document.getElementById('live-notices') || root;
  // The server's refusal of an earlier try ("Écrivez votre idée avant d'envoyer."),
  // drawn with the page: once a note is on the board it is no longer true.
  var clearFormErrors = function () {
    var section = document.getElementById('ecrire');
    if (!section) return;
    Array.prototype.forEach.call(section.querySelectorAll('[data-error-summary], .field .error'), function (box) {
      box.parentNode.removeChild(box);
    });
    Array.prototype.forEach.call(section.querySelectorAll('.has-error'), function (f) { f.classList.remove('has-error'); });
    Array.prototype.forEach.call(section.querySelectorAll('[aria-invalid]'), function (field) {
      field.removeAttribute('aria-invalid');
      var ids = (field.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) {
        return id && document.getElementById(id);
      });
      if (ids.length) field.setAttribute('aria-describedby', ids.join(' '));
      else field.removeAttribute('aria-describedby');
    });
  };
  var formError = function (text) {
    var box = document.getElementById('live-error');
    if (!box) {
      box = el('p', { id: 'live-error', class: 'flash flash-error', role: 'alert' });
      notices.insertBefore(box, notices.firstChild);
    }
    box.textContent = text;
    box.hidden = !text;
  };

  // --- what this screen sends, until the server has it -------------------------------
  // Every action (a phone's notes and dots, every action of a console or a
  // projector) waits in a queue and goes one at a time, in order, with a key
  // made here. Without an answer (lost, the connection dropped) or with
  // "server-error", the same action goes again with the same key, after 1 s,
  // 2 s, 4 s... up to 15 s, and at once when the connection comes back: the
  // server applies a key once (docs/realtime.md). Only a refusal (the phase
  // changed, a title too long...) ends an action unsaved, and it says why.
  // #live-save says where things are: sending, saved, or not yet (retrying).
  var saveBox = document.getElementById('live-save');
  var queues = [];
  var lastSaved = false;
  var refused = false;  // the server turned this screen away: nothing will be sent
  var showSave = function () {
    if (!saveBox) return;
    var waiting = 0;
    var failing = false;
    queues.forEach(function (q) { waiting += q.list.length; failing = failing || (q.list.length > 0 && q.failing); });
    var state = refused ? '' : waiting ? (failing || !socket.connected ? 'retrying' : 'saving') : (lastSaved ? 'saved' : '');
    if (saveBox.getAttribute('data-state') === state) return;
    saveBox.textContent = state ? msg(state) : '';
    saveBox.setAttribute('data-state', state);
  };

  // options: event(item), payload(item), answered(item, answer), changed() (the list changed)
  var makeQueue = function (list, options) {
    var q = { list: list, busy: false, timer: null, tries: 0, failing: false, attempt: 0 };
    q.pump = function () {
      if (q.busy || q.timer || !q.list.length || !socket.connected) { showSave(); return; }
      var item = q.list[0];
      var attempt = ++q.attempt;
      q.busy = true;
      showSave();
      send(options.event(item), options.payload(item), function (answer, timedOut) {
        if (attempt !== q.attempt) return;  // given up at a disconnection: it went again since
        q.busy = false;
        if (timedOut || !answer || (!answer.ok && answer.error === 'server-error')) { q.later(); return; }
        q.list.shift();
        q.tries = 0;
        q.failing = false;
        if (options.changed) options.changed();
        lastSaved = !!answer.ok;
        options.answered(item, answer);
        q.pump();
      });
    };
    q.later = function () {
      q.failing = true;
      q.tries += 1;
      var wait = Math.min(RETRY_MOST, RETRY_FIRST * Math.pow(2, q.tries - 1)) * (0.75 + Math.random() / 2);
      q.timer = window.setTimeout(function () { q.timer = null; q.pump(); }, wait);
      showSave();
    };
    q.dropped = function () {  // the connection went: what was on its way goes again once back
      if (q.busy) { q.attempt += 1; q.busy = false; q.failing = true; }
      showSave();
    };
    q.resume = function () {
      if (q.timer) { window.clearTimeout(q.timer); q.timer = null; }
      q.pump();
    };
    q.push = function (item) {
      q.list.push(item);
      if (options.changed) options.changed();
      q.pump();
    };
    queues.push(q);
    return q;
  };

  // The phone's notes: kept in localStorage until the server has them.
  var notesQueue = makeQueue(outbox, {
    event: function () { return 'post_note'; },
    payload: function (item) { return { column: item.column, text: item.text, client_key: item.client_key }; },
    changed: saveOutbox,
    answered: function (item, answer) {
      if (answer.ok) {
        if (me && !me.notes.some(function (n) { return n.id === answer.note.id; })) me.notes.push(answer.note);
        formError('');
        clearFormErrors();
        setStatus(msg('sent'), 'online');
        render();
      } else {
        // Refused for good (the phase changed, too long...): the text comes back in the box, never lost.
        var area = document.getElementById('text');
        if (area && !area.value) { area.value = item.text; area.dispatchEvent(new Event('input', { bubbles: true })); }
        formError(answer.message);
      }
    }
  });

  // Every other action: dots on a phone, steering on a console or a projector.
  var actions = makeQueue([], {
    event: function (item) { return item.event; },
    payload: function (item) {
      var payload = { key: item.key };
      Object.keys(item.payload).forEach(function (k) { payload[k] = item.payload[k]; });
      // A countdown sent again ends when the first try would have ended it.
      if (item.event === 'set_timer') payload.age = Math.max(0, Date.now() - item.at);
      return payload;
    },
    answered: function (item, answer) {
      if (answer.ok) formError('');
      else formError(answer.message);
      if (item.then) item.then(answer);
    }
  });
  var act = function (event, payload, then) {
    actions.push({ event: event, payload: payload, key: newKey(), at: Date.now(), then: then });
  };
  var pumpAll = function () { queues.forEach(function (q) { q.pump(); }); };

  socket.on('connect', function () {
    setStatus(msg('online'), 'online');
    queues.forEach(function (q) { q.resume(); });
  });
  socket.on('disconnect', function () {
    setStatus(msg('offline'), 'offline');
    queues.forEach(function (q) { q.dropped(); });
  });
  socket.on('connect_error', function (err) {
    if (err && err.data && err.data.error) { refused = true; setStatus(err.message, 'refused'); socket.disconnect(); }
    else setStatus(msg('offline'), 'offline');
    showSave();
  });
  // Redis lost between the site's processes: this one serves its own
  // screens only; once linked again, the whole board is fetched.
  socket.on('link', function (l) {
    var box = document.getElementById('live-link');
    if (!box) {
      box = el('p', { id: 'live-link', class: 'flash flash-info', role: 'status' });
      notices.insertBefore(box, notices.firstChild);
    }
    box.textContent = l.linked ? '' : msg('unlinked');
    box.hidden = !!l.linked;
    if (l.linked) {
      send('sync', {}, function (answer) {
        if (!answer || !answer.ok) return;
        loadState(answer.state);
        if (answer.me) me = answer.me;
        render();
      });
    }
  });
  socket.on('state', function (state) { loadState(state); render(); window.setTimeout(followFocus, 50); });
  socket.on('me', function (mine) { me = mine; render(); });
  socket.on('board', function (b) {
    var moved = JSON.stringify(b.focus) !== JSON.stringify(model.board && model.board.focus);
    model.board = b; render();
    if (moved) window.setTimeout(followFocus, 50);
  });
  socket.on('note', function (note) {
    if (me && note.client_key !== undefined) {
      me.notes = me.notes.filter(function (n) { return n.id !== note.id; });
      me.notes.push(note);
    } else {
      model.notes[note.id] = note;
    }
    render();
  });
  socket.on('note_removed', function (p) {
    delete model.notes[p.id];
    render();
  });
  socket.on('group', function (g) { model.groups[g.id] = g; render(); });
  socket.on('group_removed', function (p) { delete model.groups[p.id]; render(); });
  socket.on('dots', function (d) { model.dots[d.kind][String(d.id)] = d.count; render(); });
  socket.on('dots_cast', function (c) { model.dotsCast = c.count; render(); });
  socket.on('counts', function (c) { model.counts = c; render(); });
  socket.on('people', function (p) { model.participants = p.count; render(); });
  window.addEventListener('online', function () { queues.forEach(function (q) { q.resume(); }); });
  window.setInterval(pumpAll, 5000);
  saveOutbox();
  showSave();

  // --- a phone writes and votes --------------------------------------------------------
  var noteForm = document.getElementById('note-form');
  if (noteForm && view === 'phone') {
    noteForm.addEventListener('submit', function (event) {
      var area = document.getElementById('text');
      var checked = noteForm.querySelector('input[name=column]:checked');
      if (!area || !area.value.trim() || !checked) return;  // the server's form says what is missing
      event.preventDefault();
      var item = { client_key: newKey(), column: parseInt(checked.value, 10), text: area.value };
      area.value = '';
      area.dispatchEvent(new Event('input', { bubbles: true }));  // the draft is now in the outbox
      if (!socket.connected) setStatus(msg('offline'), 'offline');
      notesQueue.push(item);
    });
  }

  // The fields the redraws keep: what the animator typed or chose.
  root.addEventListener('input', function (event) {
    var field = event.target;
    if (field && field.id && field.getAttribute && field.getAttribute('data-draft')) drafts[field.id] = field.value;
  });
  root.addEventListener('change', function (event) {
    var field = event.target;
    if (field && field.id && field.getAttribute && field.getAttribute('data-draft')) drafts[field.id] = field.value;
  });

  root.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('button') : null;
    if (!button || !root.contains(button)) return;
    var what = button.getAttribute('data-act');
    var dot = button.getAttribute('data-dot');
    if (dot) {
      act(dot === 'place' ? 'place_dot' : 'remove_dot',
        { kind: button.getAttribute('data-kind'), id: parseInt(button.getAttribute('data-id'), 10) });
    } else if (what === 'hide') {
      act('hide_note', { id: parseInt(button.getAttribute('data-note'), 10), hidden: button.getAttribute('data-hidden') === '1' });
    } else if (what === 'focus') {
      act('set_focus', { kind: button.getAttribute('data-kind'), id: parseInt(button.getAttribute('data-id'), 10) });
    } else if (what === 'rename') {
      var gid = parseInt(button.getAttribute('data-group'), 10);
      var fieldId = 'live-group-title-' + gid;
      var input = document.getElementById(fieldId);
      var title = input ? input.value : '';
      drafts[fieldId] = title;  // kept, whatever the redraws, until the server has it
      act('rename_group', { group: gid, title: title }, function (answer) {
        if (answer.ok && drafts[fieldId] === title) { delete drafts[fieldId]; render(); }
      });
    } else if (what === 'group') {
      var nid = parseInt(button.getAttribute('data-note'), 10);
      var select = document.getElementById('live-target-' + nid);
      var value = select ? select.value : '';
      var done = function (answer) { if (answer.ok) delete drafts['live-target-' + nid]; };
      if (value === 'seul') act('ungroup_note', { note: nid }, done);
      else if (value.charAt(0) === 'g') act('group_note', { note: nid, onto_group: parseInt(value.slice(1), 10) }, done);
      else if (value.charAt(0) === 'n') act('group_note', { note: nid, onto_note: parseInt(value.slice(1), 10) }, done);
    } else {
      return;
    }
    event.preventDefault();
  });

  // --- the animator drags a note onto another (or onto a group) -----------------------------
  if (view === 'console') {
    var dragged = null;
    renderBox.addEventListener('dragstart', function (event) {
      var li = event.target.closest && event.target.closest('li[data-note]');
      if (!li) return;
      dragged = parseInt(li.getAttribute('data-note'), 10);
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', String(dragged));
    });
    renderBox.addEventListener('dragover', function (event) {
      if (dragged !== null && event.target.closest && event.target.closest('[data-note], [data-group]')) event.preventDefault();
    });
    renderBox.addEventListener('drop', function (event) {
      if (dragged === null || !event.target.closest) return;
      var onNote = event.target.closest('li[data-note]');
      var onGroup = event.target.closest('[data-group]');
      event.preventDefault();
      var payload = { note: dragged };
      if (onNote && parseInt(onNote.getAttribute('data-note'), 10) !== dragged) payload.onto_note = parseInt(onNote.getAttribute('data-note'), 10);
      else if (onGroup) payload.onto_group = parseInt(onGroup.getAttribute('data-group'), 10);
      dragged = null;
      if (payload.onto_note || payload.onto_group) act('group_note', payload);
    });
    renderBox.addEventListener('dragend', function () { dragged = null; });

    // The steering form, live: each change is one action, in the order given
    // (the phase before the timer: a new phase stops the timer).
    var steer = document.getElementById('steer-form');
    if (steer) {
      // The phase the board will have once the actions waiting are saved.
      var phaseAhead = function () {
        for (var i = actions.list.length - 1; i >= 0; i -= 1) {
          if (actions.list[i].event === 'set_phase') return actions.list[i].payload.phase;
        }
        return model.board && model.board.phase;
      };
      steer.addEventListener('submit', function (event) {
        event.preventDefault();
        var phase = steer.querySelector('[name=phase]').value;
        var minutesField = steer.querySelector('[name=minutes]');
        var minutes = minutesField.value.trim();
        var flags = {
          locked: steer.querySelector('[name=locked]').checked,
          authors_visible: steer.querySelector('[name=authors_visible]').checked,
          private_writing: steer.querySelector('[name=private_writing]').checked
        };
        var voteDisplay = steer.querySelector('[name=vote_display]:checked');
        if (voteDisplay) flags.vote_display = voteDisplay.value;
        var m = minutes === '' ? null : Number(minutes);
        if (m !== null && !(m === Math.floor(m) && m >= 0 && m <= 240)) { formError(msg('timer-range')); return; }
        if (phase !== phaseAhead()) act('set_phase', { phase: phase });
        if (m !== null) {
          // The minutes typed stay in the field until the server has the timer.
          act('set_timer', { seconds: m * 60 }, function (answer) {
            if (answer.ok && minutesField.value.trim() === minutes) minutesField.value = '';
          });
        }
        act('set_flags', flags);
      });
    }
  }
})();
