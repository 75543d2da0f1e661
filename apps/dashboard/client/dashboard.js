// tokenledger dashboard client: local times, filter form, clickable rows and the charts.
// Plain browser JavaScript served as-is by the dashboard (no build step, no CDN). Every text that
// comes from the ledger is set with textContent or drawn on a canvas, never parsed as HTML.
;(function () {
  'use strict'

  // Colours come from the server (src/colors.ts), one per model / provider / tag value on every page.
  var UNKNOWN_COLOR = '#94a3b8'
  var PICO_PER_USD = BigInt('1000000000000')

  // ---- money, exactly (decimal strings <-> bigint picodollars), mirrors src/format.ts ----
  function picoOf(usd) {
    var match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(usd)
    if (!match) return BigInt(0)
    var pico = BigInt(match[2] + (match[3] || '').slice(0, 12).padEnd(12, '0'))
    return match[1] ? -pico : pico
  }
  function roundPico(abs, digits) {
    var step = BigInt(10) ** BigInt(12 - digits)
    var rounded = ((abs + step / BigInt(2)) / step) * step
    var text = rounded.toString().padStart(13, '0')
    var whole = text.slice(0, text.length - 12)
    var fraction = text.slice(text.length - 12, text.length - 12 + digits)
    return digits > 0 ? whole + '.' + fraction : whole
  }
  function group(whole) {
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  }
  function formatUsd(usd) {
    // null is an unknown cost (no call could be priced): never shown as $0.00.
    if (usd === null) return 'unpriced'
    var pico = picoOf(usd)
    var sign = pico < BigInt(0) ? '-' : ''
    var abs = pico < BigInt(0) ? -pico : pico
    if (abs === BigInt(0)) return '$0.00'
    if (abs >= PICO_PER_USD) {
      var parts = roundPico(abs, 2).split('.')
      return sign + '$' + group(parts[0]) + '.' + parts[1]
    }
    if (abs >= PICO_PER_USD / BigInt(100)) return sign + '$' + roundPico(abs, 4)
    var digits = Math.min(12, 12 - abs.toString().length + 3)
    return sign + '$' + roundPico(abs, digits).replace(/0+$/, '')
  }
  function usdFromPico(pico) {
    var negative = pico < BigInt(0)
    var text = (negative ? -pico : pico).toString().padStart(13, '0')
    var fraction = text.slice(-12).replace(/0+$/, '')
    return (negative ? '-' : '') + text.slice(0, -12) + (fraction ? '.' + fraction : '')
  }
  function count(n) {
    return group(String(n))
  }
  function plural(n, one) {
    return count(n) + ' ' + (n === 1 ? one : one + 's')
  }
  function tickUsd(value) {
    if (value === 0) return '$0'
    var abs = Math.abs(value)
    var decimals = abs >= 100 ? 0 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 6
    return (
      '$' +
      value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: decimals })
    )
  }

  // ---- times in the browser's zone ----
  var LOCAL = new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
  function localTimes(root) {
    var nodes = root.querySelectorAll('time[data-local]')
    for (var i = 0; i < nodes.length; i++) {
      var iso = nodes[i].getAttribute('datetime')
      var at = new Date(iso)
      if (Number.isNaN(at.getTime())) continue
      nodes[i].title = iso
      nodes[i].textContent = LOCAL.format(at)
    }
  }

  // ---- the filter form: submit on change, keep the URL clean ----
  function filterForm() {
    var form = document.getElementById('filters')
    if (!form) return
    var range = form.querySelector('select[name="range"]')
    form.querySelectorAll('[data-period]').forEach(function (input) {
      input.addEventListener('change', function () {
        if (range) range.value = ''
      })
    })
    form.querySelectorAll('[data-autosubmit]').forEach(function (select) {
      select.addEventListener('change', function () {
        if (select === range && range.value === '') return // wait for the dates
        form.requestSubmit()
      })
    })
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      var params = new URLSearchParams()
      var data = new FormData(form)
      var preset = data.get('range')
      data.forEach(function (value, name) {
        if (typeof value !== 'string' || value.trim() === '') return
        if (preset && (name === 'from' || name === 'to')) return
        // The bucket is chosen by the toggles; a new period may not allow the old one.
        if (name === 'bucket') return
        params.append(name, value.trim())
      })
      var action = form.getAttribute('action') || location.pathname
      var query = params.toString()
      location.assign(query ? action + '?' + query : action)
    })
  }

  // ---- a click anywhere on a call row opens the call ----
  function clickableRows() {
    document.querySelectorAll('tr[data-href]').forEach(function (row) {
      row.addEventListener('click', function (event) {
        if (event.target.closest('a')) return
        if (window.getSelection && String(window.getSelection()).length > 0) return
        location.assign(row.getAttribute('data-href'))
      })
    })
  }

  // ---- charts ----
  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(
      function (response) {
        return response.json().then(function (body) {
          if (!response.ok)
            throw new Error(body && body.error ? body.error : 'HTTP ' + response.status)
          return body
        })
      },
    )
  }

  function colorLookup(map) {
    return function colorOf(key) {
      return key === null || !map || !map[key] ? UNKNOWN_COLOR : map[key]
    }
  }

  function bucketLabel(iso, bucket) {
    var at = new Date(iso)
    if (bucket === 'day')
      return at.toLocaleDateString(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric' })
    return at.toLocaleString(undefined, {
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    })
  }

  function baseOptions() {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { labels: { boxWidth: 12, boxHeight: 12, usePointStyle: false } } },
    }
  }

  function spendChart(canvas, series, colorOf) {
    var unknown = series.stackBy === 'model' ? '(unknown model)' : '(unknown provider)'
    var datasets = series.series.map(function (s) {
      return {
        label:
          (s.label || (s.key === null ? unknown : s.key)) + (s.total === null ? ' (unpriced)' : ''),
        key: s.key,
        // An unpriced bucket has no bar (its cost is unknown); the tooltip and legend say so.
        data: s.values.map(function (v) {
          return v === null ? null : Number(v)
        }),
        exact: s.values,
        calls: s.calls,
        unpriced: s.unpricedCalls,
        total: s.total,
        backgroundColor: colorOf(s.key),
        borderWidth: 0,
        stack: 'spend',
      }
    })
    var options = baseOptions()
    options.interaction = { mode: 'index', intersect: false }
    options.scales = {
      x: {
        stacked: true,
        grid: { display: false },
        title: {
          display: true,
          text: series.bucket === 'day' ? 'Day (UTC)' : 'Hour (your time zone)',
        },
        ticks: { maxRotation: 0, autoSkipPadding: 12 },
      },
      y: {
        stacked: true,
        beginAtZero: true,
        title: { display: true, text: 'Spend (USD)' },
        ticks: { callback: tickUsd },
      },
    }
    options.plugins.legend.position = 'bottom'
    options.plugins.tooltip = {
      filter: function (item) {
        return item.dataset.exact[item.dataIndex] !== '0'
      },
      itemSort: function (a, b) {
        return b.parsed.y - a.parsed.y
      },
      callbacks: {
        label: function (item) {
          var d = item.dataset
          return (
            ' ' +
            d.label +
            ': ' +
            formatUsd(d.exact[item.dataIndex]) +
            ' (' +
            plural(d.calls[item.dataIndex], 'call') +
            (d.unpriced[item.dataIndex]
              ? ', ' + count(d.unpriced[item.dataIndex]) + ' unpriced'
              : '') +
            ')'
          )
        },
        footer: function (items) {
          if (!items.length) return ''
          var index = items[0].dataIndex
          var total = BigInt(0)
          items[0].chart.data.datasets.forEach(function (d) {
            if (d.exact[index] !== null) total += picoOf(d.exact[index])
          })
          return 'Total: ' + formatUsd(usdFromPico(total))
        },
      },
    }
    return new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: series.buckets.map(function (b) {
          return bucketLabel(b, series.bucket)
        }),
        datasets: datasets,
      },
      options: options,
    })
  }

  function barChart(canvas, breakdown, key, colorOf, axisTitle) {
    var rows = breakdown.rows
    var options = baseOptions()
    options.indexAxis = 'y'
    options.plugins.legend.display = false
    options.scales = {
      x: {
        beginAtZero: true,
        title: { display: true, text: 'Spend (USD)' },
        ticks: { callback: tickUsd },
      },
      y: {
        grid: { display: false },
        title: { display: true, text: axisTitle },
        // A row with no priced call has no bar (its cost is unknown): its axis label says why.
        ticks: {
          callback: function (value, index) {
            var row = rows[index]
            var name = this.getLabelForValue(value)
            return row && row.cost === null ? name + ' (unpriced)' : name
          },
        },
      },
    }
    options.plugins.tooltip = {
      callbacks: {
        label: function (item) {
          var row = rows[item.dataIndex]
          return (
            ' ' +
            formatUsd(row.cost) +
            ' · ' +
            plural(row.calls, 'call') +
            (row.unpricedCalls ? ' (' + count(row.unpricedCalls) + ' unpriced)' : '')
          )
        },
      },
    }
    return new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: rows.map(function (row) {
          return row[key] === null ? '(unknown)' : row[key]
        }),
        datasets: [
          {
            label: 'Spend',
            data: rows.map(function (row) {
              return row.cost === null ? null : Number(row.cost)
            }),
            exact: rows.map(function (row) {
              return row.cost
            }),
            backgroundColor: rows.map(function (row) {
              return colorOf(row[key])
            }),
            borderWidth: 0,
            borderRadius: 3,
            maxBarThickness: 28,
          },
        ],
      },
      options: options,
    })
  }

  function showChartError(id, message) {
    var canvas = document.getElementById(id)
    if (!canvas) return
    var note = document.createElement('p')
    note.className = 'chart-error'
    note.textContent = 'Could not load the chart: ' + message
    canvas.parentNode.replaceChild(note, canvas)
  }

  function chartDefaults() {
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily
    window.Chart.defaults.color = resolvedColor('--ink-2')
    window.Chart.defaults.borderColor = resolvedColor('--line')
  }

  // The colour a custom property gives in the scheme in force: the properties hold light-dark()
  // pairs, which only an element's computed colour resolves.
  function resolvedColor(property) {
    var probe = document.createElement('span')
    probe.style.color = 'var(' + property + ')'
    probe.hidden = true
    document.body.appendChild(probe)
    var color = getComputedStyle(probe).color
    probe.remove()
    return color
  }

  function charts(data) {
    if (!document.getElementById('spend-chart')) {
      window.__dashboard = { ready: true, charts: {}, data: {} }
      document.body.setAttribute('data-dashboard-ready', 'true')
      return
    }
    var state = (window.__dashboard = { ready: false, charts: {}, data: {} })
    if (typeof window.Chart !== 'function') {
      showChartError('spend-chart', 'chart.js did not load')
      document.body.setAttribute('data-dashboard-error', 'chart.js missing')
      return
    }
    chartDefaults()
    Promise.all([getJson(data.api.series), getJson(data.api.providers), getJson(data.api.models)])
      .then(function (results) {
        var series = results[0]
        var providers = results[1]
        var models = results[2]
        state.data = { series: series, providers: providers, models: models }
        var colors = data.colors || {}
        var modelColors = colorLookup(colors.model)
        var providerColors = colorLookup(colors.provider)
        var stackColors = series.stackBy === 'model' ? modelColors : providerColors
        state.charts.spend = spendChart(document.getElementById('spend-chart'), series, stackColors)
        state.charts.providers = barChart(
          document.getElementById('provider-chart'),
          providers,
          'provider',
          providerColors,
          'Provider',
        )
        state.charts.models = barChart(
          document.getElementById('model-chart'),
          models,
          'model',
          modelColors,
          'Model',
        )
        state.ready = true
        document.body.setAttribute('data-dashboard-ready', 'true')
      })
      .catch(function (error) {
        showChartError('spend-chart', error.message)
        document.body.setAttribute('data-dashboard-error', error.message)
      })
  }

  // ---- the tag view: spend over time stacked by the tag's values ----
  function tagChart(data) {
    var state = (window.__dashboard = { ready: false, charts: {}, data: {} })
    var canvas = document.getElementById('tag-chart')
    if (!canvas || !data.api || typeof window.Chart !== 'function') {
      state.ready = true
      document.body.setAttribute('data-dashboard-ready', 'true')
      return
    }
    chartDefaults()
    var colorOf = colorLookup(data.colors)
    getJson(data.api.tags)
      .then(function (spend) {
        state.data.tags = spend
        var series = {
          bucket: spend.bucket,
          stackBy: 'tag',
          buckets: spend.buckets,
          series: spend.series.map(function (s) {
            return {
              key: s.other ? '(other values)' : s.value,
              label: s.other ? '(other values)' : s.value === null ? '(no tag)' : s.value,
              values: s.values,
              calls: s.calls,
              total: s.total,
            }
          }),
        }
        state.charts.tags = spendChart(canvas, series, function (key) {
          return key === '(other values)' ? '#64748b' : colorOf(key)
        })
        state.ready = true
        document.body.setAttribute('data-dashboard-ready', 'true')
      })
      .catch(function (error) {
        showChartError('tag-chart', error.message)
        document.body.setAttribute('data-dashboard-error', error.message)
      })
  }

  // ---- theme: follows the system unless the reader picked one (remembered in this browser) ----
  var THEMES = ['system', 'light', 'dark']
  function storedTheme() {
    try {
      var value = localStorage.getItem('tokenledger-theme')
      return THEMES.indexOf(value) > 0 ? value : 'system'
    } catch (error) {
      return 'system'
    }
  }
  function applyTheme(theme) {
    if (theme === 'system') document.documentElement.removeAttribute('data-theme')
    else document.documentElement.setAttribute('data-theme', theme)
    var button = document.getElementById('theme-toggle')
    if (button) {
      button.textContent = 'Theme: ' + theme
      button.setAttribute('aria-label', 'Colour theme: ' + theme + ' (click to change)')
    }
  }
  function themeToggle() {
    var button = document.getElementById('theme-toggle')
    if (!button) return
    button.hidden = false
    button.addEventListener('click', function () {
      var next = THEMES[(THEMES.indexOf(storedTheme()) + 1) % THEMES.length]
      try {
        if (next === 'system') localStorage.removeItem('tokenledger-theme')
        else localStorage.setItem('tokenledger-theme', next)
      } catch (error) {
        // Storage refused (private mode): the theme still changes for this page.
      }
      applyTheme(next)
      // Charts read their colours when drawn: redraw them in the new theme.
      location.reload()
    })
  }

  // ---- swatches, column chooser, auto-refresh ----
  function swatches() {
    document.querySelectorAll('[data-color]').forEach(function (node) {
      var color = node.getAttribute('data-color')
      if (/^#[0-9a-f]{6}$/i.test(color)) node.style.backgroundColor = color
    })
  }
  function columnChooser() {
    var table = document.querySelector('table.calls')
    var boxes = document.querySelectorAll('input[data-column]')
    if (!table || boxes.length === 0) return
    var shown = []
    try {
      shown = JSON.parse(localStorage.getItem('tokenledger-columns') || '[]')
    } catch (error) {
      shown = []
    }
    boxes.forEach(function (box) {
      var name = box.getAttribute('data-column')
      box.checked = shown.indexOf(name) >= 0
      table.classList.toggle('show-' + name, box.checked)
      box.addEventListener('change', function () {
        table.classList.toggle('show-' + name, box.checked)
        var now = []
        boxes.forEach(function (b) {
          if (b.checked) now.push(b.getAttribute('data-column'))
        })
        try {
          localStorage.setItem('tokenledger-columns', JSON.stringify(now))
        } catch (error) {
          // not remembered; still shown
        }
      })
    })
  }
  var REFRESH_MS = { '1m': 60000, '5m': 300000, '15m': 900000 }
  function autoRefresh(data) {
    var every = data && REFRESH_MS[data.refresh]
    if (!every) return
    // Page links keep the schedule; the API and downloads do not take it.
    document.querySelectorAll('a[href^="/"]').forEach(function (link) {
      var url = new URL(link.getAttribute('href'), location.origin)
      if (url.pathname.indexOf('/api/') === 0 || url.pathname.indexOf('/static/') === 0) return
      url.searchParams.set('refresh', data.refresh)
      link.setAttribute('href', url.pathname + url.search)
    })
    setTimeout(function () {
      location.reload()
    }, every)
  }

  function readData() {
    var node = document.getElementById('dashboard-data')
    if (!node) return null
    try {
      return JSON.parse(node.textContent)
    } catch {
      return null
    }
  }

  function start() {
    applyTheme(storedTheme())
    themeToggle()
    localTimes(document)
    filterForm()
    clickableRows()
    swatches()
    columnChooser()
    var data = readData()
    autoRefresh(data)
    if (data && data.page === 'overview') {
      charts(data)
    } else if (data && data.page === 'tags') {
      tagChart(data)
    } else {
      window.__dashboard = { ready: true, charts: {}, data: {} }
      document.body.setAttribute('data-dashboard-ready', 'true')
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
