// Base maps for every Leaflet map of the app: window.BaseMap(map, el) adds the configured tile layers
// (the app's own /tiles/ layers from MBTiles files, then the online MAP_TILE_URL server if any) with a
// layer switcher when there is more than one. The layers come from el's data-basemap attribute (JSON
// rendered by the common.tiles.basemap_context context processor), else from a json_script block with
// id "basemap-config". The chosen base layer is remembered for the next map.
(function () {
  'use strict';

  var STORE_KEY = 'schoolsafe.basemap';

  function readConfig(el) {
    var text = (el && el.dataset && el.dataset.basemap) || '';
    if (!text) {
      var block = document.getElementById('basemap-config');
      text = block ? block.textContent : '';
    }
    if (!text) { return { layers: [] }; }
    try { return JSON.parse(text); } catch (e) { return { layers: [] }; }
  }

  // A layer whose tiles are drawn in GCJ-02 (China's offset coordinates): every tile is moved by the
  // pixel distance between a WGS-84 point and its GCJ-02 position, so WGS-84 markers sit on the right
  // street. spec.shift = [dlat, dlon] is GCJ-02 minus WGS-84 at the layer's centre (common.tiles).
  var ShiftedTileLayer = L.TileLayer.extend({
    _shiftPx: function (zoom) {
      var s = this.options.shift;
      var c = this.options.shiftAt;
      var wgs = this._map.project(L.latLng(c[0] - s[0], c[1] - s[1]), zoom);
      var gcj = this._map.project(L.latLng(c[0], c[1]), zoom);
      return wgs.subtract(gcj);
    },
    _getTilePos: function (coords) {
      return L.TileLayer.prototype._getTilePos.call(this, coords).add(this._shiftPx(coords.z));
    },
    _getTiledPixelBounds: function (center) {
      var b = L.TileLayer.prototype._getTiledPixelBounds.call(this, center);
      var s = this._shiftPx(this._tileZoom);
      return new L.Bounds(b.min.subtract(s), b.max.subtract(s));
    }
  });

  function makeLayer(spec) {
    var options = { maxZoom: 20, attribution: spec.attribution || '' };
    if (spec.minNativeZoom !== undefined) { options.minNativeZoom = spec.minNativeZoom; }
    if (spec.maxNativeZoom !== undefined) { options.maxNativeZoom = spec.maxNativeZoom; }
    if (spec.bounds) { options.bounds = L.latLngBounds(spec.bounds); }
    if (spec.shift) {
      options.shift = spec.shift;
      options.shiftAt = options.bounds ? [options.bounds.getCenter().lat, options.bounds.getCenter().lng] : [0, 0];
      return new ShiftedTileLayer(spec.url, options);
    }
    return L.tileLayer(spec.url, options);
  }

  function remembered() {
    try { return window.localStorage.getItem(STORE_KEY); } catch (e) { return null; }
  }

  function remember(name) {
    try { window.localStorage.setItem(STORE_KEY, name); } catch (e) { /* private mode: not remembered */ }
  }

  window.BaseMap = function (map, el) {
    var config = readConfig(el);
    var bases = {}, overlays = {}, byLabel = {}, first = null, chosen = null, wanted = remembered();
    (config.layers || []).forEach(function (spec) {
      var layer = makeLayer(spec);
      byLabel[spec.label] = spec.name;
      if (spec.overlay) {
        overlays[spec.label] = layer;
        layer.addTo(map);
        return;
      }
      bases[spec.label] = layer;
      if (!first) { first = layer; }
      if (spec.name === wanted) { chosen = layer; }
    });
    if (chosen || first) { (chosen || first).addTo(map); }
    // A map script with overlays of its own can add them to this switcher (map.baseMapControl) instead
    // of a second one.
    var control = null;
    if (Object.keys(bases).length + Object.keys(overlays).length > 1) {
      control = L.control.layers(bases, overlays, { collapsed: true, position: 'topright' }).addTo(map);
      map.baseMapControl = control;
    }
    map.on('baselayerchange', function (e) { remember(byLabel[e.name]); });
    return { bases: bases, overlays: overlays, control: control };
  };
})();
