// The indicator pages: a search box that narrows a long list of scopes, and the charts drawn with Chart.js
// from the figures the page carries (right to left in Arabic, left to right in French).
(function () {
  // Typed without its accents or hamza seat, a name is still found: "sale" finds Salé, "اسفي" finds آسفي.
  function folded(text) {
    return text.normalize('NFD').replace(/[\u0300-\u036f\u064b-\u065f\u0670]/g, '').toLowerCase();
  }
  document.querySelectorAll('[data-filter-select]').forEach(function (box) {
    var select = document.getElementById(box.dataset.filterSelect);
    box.addEventListener('input', function () {
      var needle = folded(box.value.trim());
      var first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var hit = !needle || folded(o.text).indexOf(needle) >= 0 || folded(o.value).indexOf(needle) >= 0;
        o.hidden = !hit;
        if (hit && !first) first = o;
      });
      if (first && select.selectedOptions[0] && select.selectedOptions[0].hidden) select.value = first.value;
    });
  });

  var holder = document.getElementById('chart-data');
  if (!holder) return;
  var data = JSON.parse(holder.textContent);
  var picker = document.getElementById('f-indicator');
  var values = document.querySelector('#chart-values tbody');
  var groupValues = document.querySelector('#chart-group-values tbody');
  var charts = {};
  var number = new Intl.NumberFormat(data.lang === 'ar' ? 'ar-MA' : 'fr-MA', {maximumFractionDigits: 1});

  // An axis and the legend name the indicator in words with its unit, not by its code alone.
  function titleOf(id) {
    var found = data.indicators.filter(function (i) { return i.id === id; })[0];
    return found ? found.label + ' (' + found.unit + ')' : id;
  }

  // `labels` are what the page's data says (period codes, group names); `shown`, the words on the axis.
  function draw(canvas, kind, labels, shown, series, horizontal, title) {
    if (!canvas) return;
    canvas.dataset.labels = JSON.stringify(labels);
    canvas.dataset.values = JSON.stringify(series);
    if (typeof Chart === 'undefined') return;  // the figures stay in the table below
    if (charts[canvas.id]) charts[canvas.id].destroy();
    // In Arabic the values' axis stands on the right of a column chart, and a bar chart grows leftwards.
    var valueAxis = {beginAtZero: true, title: {display: true, text: title}, reverse: horizontal && data.rtl,
                     position: horizontal ? 'bottom' : (data.rtl ? 'right' : 'left'),
                     ticks: {callback: function (v) { return number.format(v); }}};
    var labelAxis = {reverse: !horizontal && data.rtl, position: horizontal ? (data.rtl ? 'right' : 'left') : 'bottom',
                     // Semesters side by side where they fit; turned on a phone's width, so that none overlaps.
                     ticks: {autoSkip: false, maxRotation: horizontal || canvas.parentElement.clientWidth >= 560 ? 0 : 90}};
    charts[canvas.id] = new Chart(canvas, {
      type: kind,
      data: {labels: shown, datasets: [{label: title, data: series, backgroundColor: '#0b7a4f', borderColor: '#0b5d3b'}]},
      options: {
        indexAxis: horizontal ? 'y' : 'x', animation: false, responsive: true, maintainAspectRatio: false,
        locale: data.lang === 'ar' ? 'ar-MA' : 'fr-MA',
        plugins: {legend: {display: true, rtl: data.rtl, textDirection: data.rtl ? 'rtl' : 'ltr'},
                  tooltip: {rtl: data.rtl, textDirection: data.rtl ? 'rtl' : 'ltr'}},
        scales: horizontal ? {x: valueAxis, y: labelAxis} : {x: labelAxis, y: valueAxis}
      }
    });
  }

  function row(label, value) {
    var tr = document.createElement('tr');
    var th = document.createElement('th');
    th.scope = 'row';
    th.textContent = label;
    var td = document.createElement('td');
    td.textContent = value === null || value === undefined ? data.labels.no_data : number.format(value);
    td.dataset.value = value === null || value === undefined ? '' : String(value);
    tr.append(th, td);
    return tr;
  }

  function show(id) {
    var title = titleOf(id);
    var trend = data.trend[id] || [];
    draw(document.getElementById('chart-trend'), 'bar', data.periods, data.ticks, trend, false, title);
    var groups = data.groups.map(function (g) { return {label: g.label, value: g.values[id]}; })
      .filter(function (g) { return g.value !== null && g.value !== undefined; })
      .sort(function (a, b) { return b.value - a.value; });
    var names = groups.map(function (g) { return g.label; });
    draw(document.getElementById('chart-groups'), 'bar', names, names,
         groups.map(function (g) { return g.value; }), true, title);
    values.replaceChildren();
    data.periods.forEach(function (p, i) { values.append(row(data.period_labels[i], trend[i])); });
    if (groupValues) {
      groupValues.replaceChildren();
      groups.forEach(function (g) { groupValues.append(row(g.label, g.value)); });
    }
    var groupsCanvas = document.getElementById('chart-groups');
    if (groupsCanvas) groupsCanvas.parentElement.style.height = Math.max(160, 28 * groups.length + 60) + 'px';
  }

  if (picker) {
    picker.addEventListener('change', function () { show(picker.value); });
    show(picker.value);
  }
})();
