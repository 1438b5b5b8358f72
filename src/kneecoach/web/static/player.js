// The session player: one exercise at a time, timers, pain scores, "this hurts" (PM-1).
// The session in progress is saved to localStorage after every step, so a reload resumes it.
(function () {
  "use strict";
  var STATE_KEY = "kneecoach.session.v1";
  var VOICE_KEY = "kneecoach.voice";
  // Test hook: only pages served with test hooks carry data-time-scale (never `serve`).
  var SCALE = Math.max(1, Number(document.body.dataset.timeScale || "1") || 1);
  // PM-1's limits come from the server (domain/rules.py), on the page's body.
  var SAFE_MAX = Number(document.body.dataset.safeMax);
  var ACCEPTABLE_MAX = Number(document.body.dataset.acceptableMax);
  var TICK_MS = 50;

  var plan = JSON.parse(document.getElementById("session-plan").textContent || "{}");
  var state = null;
  var timer = null; // {kind, total, elapsed, running, startedAt, onDone, onTick}
  var paused = false;
  var wakeLock = null;

  function $(id) { return document.getElementById(id); }
  function show(el, on) { el.hidden = !on; }
  function now() { return performance.now() / 1000 * SCALE; }

  // --- storage ----------------------------------------------------------------------

  function save() {
    if (state) localStorage.setItem(STATE_KEY, JSON.stringify(state));
  }

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(STATE_KEY) || "null");
      return saved && saved.v === 1 && saved.client_id ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "s-" + Date.now() + "-" + Math.random().toString(16).slice(2);
  }

  // --- voice and wake lock -------------------------------------------------------------

  function voiceOn() { return localStorage.getItem(VOICE_KEY) !== "off"; }

  function say(text) {
    if (!voiceOn() || !("speechSynthesis" in window)) return;
    try {
      speechSynthesis.cancel();
      speechSynthesis.speak(new SpeechSynthesisUtterance(text));
    } catch (e) { /* speech is a nice extra, never a blocker */ }
  }

  function paintVoice() {
    var on = voiceOn();
    $("p-voice").textContent = on ? "Voice on" : "Voice off";
    $("p-voice").setAttribute("aria-pressed", on ? "true" : "false");
  }

  async function keepAwake() {
    if (!("wakeLock" in navigator) || wakeLock) return;
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      wakeLock.addEventListener("release", function () { wakeLock = null; });
    } catch (e) { wakeLock = null; }
  }

  function letSleep() {
    if (wakeLock) { wakeLock.release().catch(function () {}); wakeLock = null; }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && state && state.stage === "exercise") keepAwake();
  });

  // --- timers --------------------------------------------------------------------------

  function startTimer(kind, total, onTick, onDone) {
    stopTimer();
    timer = { kind: kind, total: total, elapsed: 0, running: !paused, startedAt: now(),
              onTick: onTick, onDone: onDone, handle: null };
    timer.handle = setInterval(tick, TICK_MS);
    onTick(0, total);
  }

  function elapsed() {
    if (!timer) return 0;
    return timer.running ? timer.elapsed + (now() - timer.startedAt) : timer.elapsed;
  }

  function tick() {
    if (!timer || !timer.running) return;
    var spent = Math.min(elapsed(), timer.total);
    timer.onTick(spent, timer.total);
    if (spent >= timer.total) {
      var done = timer.onDone;
      stopTimer();
      done();
    }
  }

  function stopTimer() {
    if (timer && timer.handle) clearInterval(timer.handle);
    timer = null;
  }

  function setPaused(on) {
    paused = on;
    if (timer) {
      if (on && timer.running) { timer.elapsed = elapsed(); timer.running = false; }
      if (!on && !timer.running) { timer.startedAt = now(); timer.running = true; }
    }
    $("p-pause").textContent = on ? "Resume" : "Pause";
    $("p-pause").setAttribute("aria-pressed", on ? "true" : "false");
    show($("p-paused"), on);
    if (on && "speechSynthesis" in window) speechSynthesis.cancel();
  }

  function clock(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // --- the session model -------------------------------------------------------------

  function item() { return state.items[state.i]; }
  function entry() { return state.entries[state.i]; }
  function sides() { return item().dose.per_side ? 2 : 1; }
  function kindOf(it) {
    if (it.dose.minutes) return "minutes";
    if (it.dose.reps) return "reps";
    return "hold";
  }

  function totalUnits() {
    return state.items.reduce(function (sum, it) { return sum + it.dose.sets; }, 0) || 1;
  }

  function doneUnits() {
    var units = 0;
    for (var k = 0; k < state.items.length; k++) {
      var e = state.entries[k];
      if (k < state.i || e.stopped || e.skipped) units += state.items[k].dose.sets;
      else if (k === state.i) units += Math.min(e.sets.length, state.items[k].dose.sets);
    }
    return units;
  }

  function paintProgress() {
    var value = state.stage === "before" ? 0 : (state.stage === "exercise" ?
      Math.round(100 * doneUnits() / totalUnits()) : 100);
    $("p-progress").value = value;
    $("p-progress").textContent = value + "%";
  }

  function begin() {
    var items = (plan.items || []);
    state = {
      v: 1, client_id: newId(), date: plan.date, items: items, stage: "before",
      pain_before: null, pain_after: null, i: 0, set: 0, side: 0, sub: "work",
      sideWork: [], setHurt: 0,
      entries: items.map(function (it) {
        return { exercise_id: it.exercise_id, hurt: false, sets: [], stopped: false, skipped: false };
      })
    };
    save();
  }

  // What one side of one set achieved, recorded when the side ends.
  function recordSide(work) {
    state.sideWork.push(work);
    save();
  }

  function finishSet(pain) {
    var it = item();
    var done = state.sideWork;
    var one = { pain: Math.max(pain, state.setHurt || 0) };
    var kind = kindOf(it);
    if (kind === "reps") {
      one.reps = Math.min.apply(null, done.map(function (w) { return w.reps || 0; }).concat([it.dose.reps]));
      if (it.dose.hold_seconds) one.hold_seconds = it.dose.hold_seconds;
    } else if (kind === "hold") {
      one.hold_seconds = Math.round(Math.min.apply(null, done.map(function (w) { return w.hold || 0; })));
    } else {
      one.minutes = Math.round(10 * Math.min.apply(null, done.map(function (w) { return w.minutes || 0; }))) / 10;
    }
    if (it.dose.load_kg) one.load_kg = it.dose.load_kg;
    entry().sets.push(one);
    state.sideWork = [];
    state.side = 0;
    state.setHurt = 0;
    if (state.set + 1 < it.dose.sets) {
      state.set += 1;
      state.sub = "rest";
    } else {
      nextExercise();
      return;
    }
    save();
    paint();
  }

  function nextExercise() {
    stopTimer();
    state.sideWork = [];
    state.side = 0;
    state.set = 0;
    state.setHurt = 0;
    state.sub = "work";
    state.i += 1;
    if (state.i >= state.items.length) {
      state.stage = "after";
      letSleep();
    }
    save();
    paint();
  }

  function sideDone(work) {
    stopTimer();
    recordSide(work);
    if (state.side + 1 < sides()) {
      state.side += 1;
      say("Now the other side.");
      save();
      paint();
      return;
    }
    state.sub = "pain";
    say("Set done. What was your pain score?");
    save();
    paint();
  }

  // --- painting ------------------------------------------------------------------------

  var SECTIONS = ["s-loading", "s-empty", "s-before", "s-exercise", "s-after", "s-done"];
  var WORK = ["w-hold", "w-reps", "w-minutes", "w-pain", "w-rest", "w-hurt", "w-hurt-msg"];

  function section(id) {
    SECTIONS.forEach(function (s) { show($(s), s === id); });
  }

  function work(id) {
    WORK.forEach(function (w) { show($(w), w === id); });
    show($("x-tools"), id !== "w-hurt" && id !== "w-hurt-msg" && id !== "w-pain");
  }

  function fillList(el, lines) {
    el.textContent = "";
    lines.forEach(function (line) {
      var li = document.createElement("li");
      li.textContent = line;
      el.appendChild(li);
    });
  }

  var paintedExercise = -1;

  function paintExercise() {
    var it = item();
    if (paintedExercise !== state.i) {
      paintedExercise = state.i;
      $("x-phase").textContent = it.phase;
      $("x-count").textContent = "exercise " + (state.i + 1) + " of " + state.items.length;
      $("x-name").textContent = it.name;
      $("x-figure").src = it.figure;
      $("x-figure").alt = it.name;
      $("x-dose").textContent = it.dose_words;
      $("x-note").textContent = it.note || "";
      show($("x-note"), Boolean(it.note));
      fillList($("x-steps"), it.steps);
      fillList($("x-feel"), it.feel);
      fillList($("x-avoid"), it.avoid);
      $("x-howto").open = false;
      say(it.name + ". " + it.dose_words + ".");
    }
    $("x-set").textContent = "Set " + (state.set + 1) + " of " + it.dose.sets;
    show($("x-side"), sides() === 2);
    $("x-side").textContent = state.side === 0 ? "Left leg" : "Right leg";
  }

  function paintWork() {
    var it = item();
    var kind = kindOf(it);
    if (kind === "hold") {
      work("w-hold");
      $("hold-time").textContent = String(it.dose.hold_seconds);
      $("hold-start").disabled = false;
      $("hold-start").textContent = "Start the hold";
    } else if (kind === "reps") {
      work("w-reps");
      state.reps = 0;
      $("rep-count").textContent = "0";
      $("rep-target").textContent = String(it.dose.reps);
      $("rep-label").textContent = it.dose.hold_seconds ?
        "reps, hold " + it.dose.hold_seconds + " s at the top each time" : "reps";
      $("rep-pace").textContent = "Count for me (one every " + repSeconds(it) + " s)";
      $("rep-pace").disabled = false;
      $("rep-tap").disabled = false;
    } else {
      work("w-minutes");
      $("min-time").textContent = clock(it.dose.minutes * 60);
      $("min-start").disabled = false;
    }
  }

  function repSeconds(it) {
    return (it.tempo_seconds || 4) + (it.dose.hold_seconds || 0);
  }

  function paint() {
    show($("player-bar"), state && state.stage !== "done");
    if (!state) return;
    paintProgress();
    if (state.stage === "before") { section("s-before"); return; }
    if (state.stage === "after") { section("s-after"); return; }
    section("s-exercise");
    keepAwake();
    paintExercise();
    if (state.sub === "pain") {
      work("w-pain");
      var it = item();
      $("set-pain-hint").textContent = sides() === 2 ? "If the two sides differ, give the worse one." : "";
    } else if (state.sub === "rest") {
      work("w-rest");
      $("rest-next").textContent = "Next: set " + (state.set + 1) + " of " + item().dose.sets + ".";
      startTimer("rest", item().rest_seconds || 30, function (spent, total) {
        $("rest-time").textContent = String(Math.ceil(total - spent));
      }, endRest);
    } else if (state.sub === "hurt-msg") {
      showHurtMessage();
    } else {
      paintWork();
    }
  }

  function endRest() {
    stopTimer();
    state.sub = "work";
    say("Ready for the next set.");
    save();
    paint();
  }

  // --- actions -------------------------------------------------------------------------

  function startHold() {
    var it = item();
    $("hold-start").disabled = true;
    $("hold-start").textContent = "Holding…";
    say("Hold.");
    startTimer("hold", it.dose.hold_seconds, function (spent, total) {
      $("hold-time").textContent = String(Math.ceil(total - spent));
    }, function () {
      say("And relax.");
      sideDone({ hold: it.dose.hold_seconds });
    });
  }

  function countRep() {
    var it = item();
    state.reps = (state.reps || 0) + 1;
    $("rep-count").textContent = String(state.reps);
    if (state.reps >= it.dose.reps) {
      sideDone({ reps: state.reps });
    } else {
      say(String(state.reps));
      save();
    }
  }

  function paceReps() {
    var it = item();
    var each = repSeconds(it);
    var left = it.dose.reps - (state.reps || 0);
    $("rep-pace").disabled = true;
    $("rep-tap").disabled = true;
    var counted = state.reps || 0;
    say("Follow the count. Up.");
    startTimer("pace", left * each, function (spent) {
      var reps = counted + Math.floor(spent / each);
      if (reps !== state.reps) {
        state.reps = reps;
        $("rep-count").textContent = String(reps);
        if (reps < it.dose.reps) say(String(reps));
      }
    }, function () {
      state.reps = it.dose.reps;
      sideDone({ reps: it.dose.reps });
    });
  }

  function endRepsEarly() {
    sideDone({ reps: state.reps || 0 });
  }

  function startMinutes() {
    var it = item();
    $("min-start").disabled = true;
    say("Start now. Go at an easy pace.");
    startTimer("minutes", it.dose.minutes * 60, function (spent, total) {
      $("min-time").textContent = clock(total - spent);
    }, function () {
      say("Time is up. Well done.");
      sideDone({ minutes: it.dose.minutes });
    });
  }

  function endMinutes() {
    var spent = timer ? elapsed() : item().dose.minutes * 60;
    sideDone({ minutes: spent / 60 });
  }

  function partialWork() {
    var kind = kindOf(item());
    if (kind === "reps") return { reps: state.reps || 0 };
    if (kind === "hold") return { hold: timer ? elapsed() : 0 };
    return { minutes: timer ? elapsed() / 60 : 0 };
  }

  function openHurt() {
    if (timer) {
      timer.elapsed = elapsed();
      timer.running = false;
    }
    work("w-hurt");
    $("hurt-label").setAttribute("tabindex", "-1");
    $("hurt-label").focus();
  }

  function closeHurt() {
    if (timer && !paused) { timer.startedAt = now(); timer.running = true; }
    work(timerPanel());
  }

  function timerPanel() {
    if (state.sub === "rest") return "w-rest";
    var kind = kindOf(item());
    return kind === "hold" ? "w-hold" : (kind === "reps" ? "w-reps" : "w-minutes");
  }

  // PM-1: above 5 stop now and regress next time; 3-5 carry on, no progression; 0-2 fine.
  function hurt(score) {
    var it = item();
    var e = entry();
    state.setHurt = Math.max(state.setHurt || 0, score);
    if (score > SAFE_MAX) e.hurt = true;
    if (score > ACCEPTABLE_MAX) {
      var partial = partialWork();
      stopTimer();
      state.sideWork.push(partial);
      var done = state.sideWork;
      var one = { pain: score };
      var kind = kindOf(it);
      if (kind === "reps") {
        one.reps = Math.min.apply(null, done.map(function (w) { return w.reps || 0; }));
        if (it.dose.hold_seconds) one.hold_seconds = it.dose.hold_seconds;
      } else if (kind === "hold") {
        one.hold_seconds = Math.round(Math.min.apply(null, done.map(function (w) { return w.hold || 0; })));
      } else {
        one.minutes = Math.round(10 * Math.min.apply(null, done.map(function (w) { return w.minutes || 0; }))) / 10;
      }
      if (it.dose.load_kg) one.load_kg = it.dose.load_kg;
      e.sets.push(one);
      e.stopped = true;
      state.sideWork = [];
      var easier = it.regressions && it.regressions.length ?
        "Next time you will get an easier version: " + it.regressions[0] + "." :
        "Next time you will get a smaller dose of it.";
      state.hurtMessage = "Stop " + it.name + " now. Pain " + score + " out of 10 is too much. " + easier;
      state.hurtNext = "next";
    } else if (score > SAFE_MAX) {
      state.hurtMessage = "Pain " + score + " out of 10 is acceptable. Carry on gently. " +
        it.name + " will not get harder until the pain settles.";
      state.hurtNext = "resume";
    } else {
      state.hurtMessage = "Pain " + score + " out of 10 is in the safe zone. Carry on.";
      state.hurtNext = "resume";
    }
    state.sub = state.hurtNext === "next" ? "hurt-msg" : state.sub;
    save();
    showHurtMessage();
  }

  function showHurtMessage() {
    work("w-hurt-msg");
    $("hurt-message").textContent = state.hurtMessage || "";
    $("hurt-continue").textContent = state.hurtNext === "next" ? "Next exercise" : "Carry on";
    say(state.hurtMessage || "");
  }

  function afterHurt() {
    var next = state.hurtNext;
    state.hurtMessage = null;
    state.hurtNext = null;
    if (next === "next") {
      nextExercise();
    } else {
      save();
      closeHurt();
    }
  }

  function skipExercise() {
    var e = entry();
    if (!e.sets.length) e.skipped = true;
    else e.stopped = true;
    nextExercise();
  }

  function buildLog() {
    return {
      client_id: state.client_id,
      date: state.date,
      pain_before: state.pain_before,
      pain_after: state.pain_after,
      entries: state.entries.filter(function (e) { return e.sets.length > 0; }).map(function (e) {
        return { exercise_id: e.exercise_id, hurt: e.hurt, sets: e.sets };
      })
    };
  }

  function finish(score) {
    state.pain_after = score;
    var log = buildLog();
    section("s-done");
    show($("player-bar"), false);
    letSleep();
    stopTimer();
    if (!log.entries.length) {
      localStorage.removeItem(STATE_KEY);
      $("done-message").textContent = "No exercise was done, so there is nothing to save. That is fine: rest and try again next time.";
      state = null;
      return;
    }
    window.kneecoachOutbox.enqueue(log);
    localStorage.removeItem(STATE_KEY); // the outbox holds it now
    state = null;
    say("Session finished. Well done.");
    $("done-message").textContent = "Saving your session…";
    window.kneecoachOutbox.flush();
  }

  document.addEventListener("kneecoach:outbox", function (event) {
    var msg = $("done-message");
    if (!msg || $("s-done").hidden) return;
    var d = event.detail;
    if (d.state === "sent" && !d.pending) msg.textContent = "Saved. Well done.";
    else if (d.state === "offline") {
      msg.textContent = "We cannot reach kneecoach right now. Your session is kept safe on " +
        "this device and will be sent as soon as the connection is back.";
    } else if (d.state === "rejected") msg.textContent = "This session could not be saved: " + d.message;
  });

  // --- wiring --------------------------------------------------------------------------

  function onPain(groupId, handler) {
    $(groupId).addEventListener("click", function (event) {
      var button = event.target.closest("button[data-pain]");
      if (!button || button.disabled) return;
      handler(Number(button.dataset.pain));
    });
  }

  function wire() {
    $("p-voice").addEventListener("click", function () {
      localStorage.setItem(VOICE_KEY, voiceOn() ? "off" : "on");
      paintVoice();
      if (!voiceOn() && "speechSynthesis" in window) speechSynthesis.cancel();
    });
    $("p-pause").addEventListener("click", function () { setPaused(!paused); });
    onPain("pain-before", function (score) {
      state.pain_before = score;
      state.stage = "exercise";
      save();
      paint();
    });
    onPain("pain-set", function (score) { finishSet(score); });
    onPain("pain-hurt", hurt);
    onPain("pain-after", finish);
    $("hold-start").addEventListener("click", startHold);
    $("rep-tap").addEventListener("click", countRep);
    $("rep-pace").addEventListener("click", paceReps);
    $("rep-done").addEventListener("click", endRepsEarly);
    $("min-start").addEventListener("click", startMinutes);
    $("min-done").addEventListener("click", endMinutes);
    $("rest-skip").addEventListener("click", endRest);
    $("x-hurts").addEventListener("click", openHurt);
    $("hurt-cancel").addEventListener("click", closeHurt);
    $("hurt-continue").addEventListener("click", afterHurt);
    $("x-skip").addEventListener("click", skipExercise);
  }

  function start() {
    wire();
    paintVoice();
    state = load();
    if (state) {
      if (state.sub === "hurt-msg" && state.hurtNext !== "next") state.sub = "work";
      if (state.stage === "exercise" && state.sub === "work") state.sideWork = state.sideWork || [];
      paint();
      return;
    }
    if (!plan.items || !plan.items.length) {
      section("s-empty");
      return;
    }
    begin();
    paint();
  }

  start();
})();
