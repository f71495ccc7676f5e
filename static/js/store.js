/* The phone's own keeping of what waits for the network, shared by the
   attendance sheet (attendance.js), the door survey (door.js) and a walk's
   findings (walk.js): a list kept in localStorage under one key (in memory
   only in private mode, or while the storage is full), and the random key
   each operation carries so that a send repeated never counts twice. */
(function () {
  'use strict';

  window.LaboStore = function (key) {
    var storage = null;
    try {
      storage = window.localStorage;
      storage.setItem(key + ':test', '1');
      storage.removeItem(key + ':test');
    } catch (e) { storage = null; }  // private mode: the list lives in memory only

    return {
      // What the phone kept from an earlier visit ([] when nothing or unreadable).
      load: function () {
        if (!storage) return [];
        var items;
        try { items = JSON.parse(storage.getItem(key) || '[]'); } catch (e) { items = []; }
        return Array.isArray(items) ? items : [];
      },
      // Keeps `items` (forgets the key when empty); false when the storage is full.
      save: function (items) {
        if (!storage) return true;
        try {
          if (items.length) storage.setItem(key, JSON.stringify(items));
          else storage.removeItem(key);
          return true;
        } catch (e) { return false; }
      },
    };
  };

  window.LaboStore.randomKey = function () {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  };
}());
