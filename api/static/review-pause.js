// The decompression pause (issue 19). The server says when to offer it (GET /v1/me carries
// `offer_pause`, after a severe item decided in colour or after the team's hourly count of severe
// items); the page only asks. Taken, it is a break like any other (`kind: "decompression"`), and
// the break screen shows a choice: a short falling-blocks game, a paced breathing timer, or
// "talk to someone", which tells the team's counsellor (never the lead).
//
// The game follows Holmes et al. (2009, PLoS ONE 4(1): e4153): playing Tetris soon after seeing
// distressing film reduced later intrusive memories of it. It is written here, in plain canvas
// drawing, with no library; arrow keys and on-screen buttons both play it.
import { api, problemText, t } from "./common.js";

const $ = (id) => document.getElementById(id);

export const PAUSE_MINUTES = 5; // our choice: the length of a short game or ten slow breaths
const DECLINED = "safeshift.pause.declined"; // the offer ("since") the reviewer said no to

// ---------------------------------------------------------------- the offer

export class PauseOffer {
  /** `say` writes to the status region; `onBreak(until, reason)` shows the break screen. */
  constructor(say, onBreak) {
    this.say = say;
    this.onBreak = onBreak;
    this.since = null;
    this.onDecline = null;
    $("pause-accept").addEventListener("click", () => this.accept());
    $("pause-decline").addEventListener("click", () => this.decline());
    $("pause-offer-talk").addEventListener("click", () => talk(this.say));
    $("pause-dialog").addEventListener("cancel", () => this.decline());
  }

  /**
   * Ask, if the server offers a pause the reviewer has not already said no to. Returns whether
   * the dialog is open; `then` runs when the reviewer says "not now".
   */
  consider(me, then = null) {
    const dialog = $("pause-dialog");
    if (dialog.open) return true;
    if (!me || !me.offer_pause || window.sessionStorage.getItem(DECLINED) === me.pause_since) return false;
    if (me.state === "on_break" && me.break_reason !== "cooldown") return false;
    this.since = me.pause_since;
    this.onDecline = then;
    $("pause-why").textContent = t(`pause.why.${me.pause_reason === "severe_color" ? "severe_color" : "severe_hour"}`);
    dialog.showModal();
    return true;
  }

  async accept() {
    $("pause-dialog").close();
    const result = await api("POST", "/v1/me/breaks", { minutes: PAUSE_MINUTES, kind: "decompression" });
    if (result.ok) this.onBreak(result.data.break_until, "decompression");
    else this.say(problemText(result));
  }

  decline() {
    if ($("pause-dialog").open) $("pause-dialog").close();
    if (this.since) window.sessionStorage.setItem(DECLINED, this.since);
    const then = this.onDecline;
    this.onDecline = null;
    if (then) then();
  }
}

/** Tell the team's counsellor (and its employee-assistance programme, if any). */
export async function talk(say) {
  const result = await api("POST", "/v1/me/support", {});
  if (!result.ok) {
    say(problemText(result));
    return;
  }
  say(t("pause.talk_sent"));
  $("talk-sent").hidden = false;
}

// ---------------------------------------------------------------- the panel on the break screen

export class PausePanel {
  constructor(say) {
    this.say = say;
    this.game = new Blocks($("game-board"), (lines) => {
      $("game-score").textContent = t("pause.game.lines", { lines });
    });
    this.breathing = new Breathing();
    $("pause-game").addEventListener("click", () => this.play());
    $("pause-breathe").addEventListener("click", () => this.breathe());
    $("pause-talk").addEventListener("click", () => talk(this.say));
    const moves = { "game-left": "left", "game-right": "right", "game-rotate": "rotate", "game-drop": "drop" };
    for (const [id, move] of Object.entries(moves)) {
      $(id).addEventListener("click", () => this.game.move(move));
    }
  }

  show(on) {
    $("pause").hidden = !on;
    $("talk-sent").hidden = true;
    if (!on) this.stop();
  }

  play() {
    this.breathing.stop();
    $("breathing").hidden = true;
    $("game").hidden = false;
    this.game.start();
    $("game-board").focus();
  }

  breathe() {
    this.game.stop();
    $("game").hidden = true;
    $("breathing").hidden = false;
    this.breathing.start();
  }

  stop() {
    this.game.stop();
    this.breathing.stop();
    $("game").hidden = true;
    $("breathing").hidden = true;
  }
}

// ---------------------------------------------------------------- breathing

const BREATHS = 10;
const PHASES = [
  ["pause.breathing.in", 4],
  ["pause.breathing.hold", 2],
  ["pause.breathing.out", 6],
]; // 12 s a breath: five a minute, the slow pace breathing exercises use

class Breathing {
  constructor() {
    this.timer = null;
  }

  start() {
    this.stop();
    let breath = 1;
    let phase = 0;
    let left = PHASES[0][1];
    const render = () => {
      $("breathing-step").textContent = t(PHASES[phase][0], { seconds: left });
      $("breathing-count").textContent = t("pause.breathing.count", { breath, total: BREATHS });
    };
    render();
    this.timer = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        phase = (phase + 1) % PHASES.length;
        if (phase === 0) breath += 1;
        if (breath > BREATHS) {
          this.stop();
          $("breathing-step").textContent = t("pause.breathing.done");
          return;
        }
        left = PHASES[phase][1];
      }
      render();
    }, 1000);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }
}

// ---------------------------------------------------------------- falling blocks

const COLS = 10;
const ROWS = 20;
// The seven shapes, as cells of a 4x4 box; calm colours, none of them red.
const SHAPES = [
  [[0, 1], [1, 1], [2, 1], [3, 1]],
  [[0, 0], [0, 1], [1, 1], [2, 1]],
  [[2, 0], [0, 1], [1, 1], [2, 1]],
  [[1, 0], [2, 0], [1, 1], [2, 1]],
  [[1, 0], [2, 0], [0, 1], [1, 1]],
  [[1, 0], [0, 1], [1, 1], [2, 1]],
  [[0, 0], [1, 0], [1, 1], [2, 1]],
];
const COLOURS = ["#5b8fb9", "#6a9f8e", "#8e86b5", "#c2a96b", "#7fa6c9", "#9bb07a", "#b58fa8"];
const KEYS = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "rotate", ArrowDown: "down", " ": "drop" };

class Blocks {
  /** A falling-blocks game on `canvas`; `onLines(count)` after every line cleared. */
  constructor(canvas, onLines) {
    this.canvas = canvas;
    this.onLines = onLines;
    this.timer = null;
    this.moves = 0;
    canvas.addEventListener("keydown", (event) => {
      const move = KEYS[event.key];
      if (!move || !this.timer) return;
      event.preventDefault();
      event.stopPropagation(); // the review page's shortcuts never see the game's keys
      this.move(move);
    });
  }

  start() {
    this.stop();
    this.grid = Array.from({ length: ROWS }, () => Array(COLS).fill(null));
    this.lines = 0;
    this.moves = 0;
    this.onLines(0);
    this.spawn();
    this.timer = setInterval(() => this.fall(), 700);
    this.draw();
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  spawn() {
    const kind = Math.floor(Math.random() * SHAPES.length);
    this.piece = { cells: SHAPES[kind].map(([x, y]) => [x, y]), colour: COLOURS[kind], x: 3, y: 0 };
    if (!this.fits(this.piece.cells, this.piece.x, this.piece.y)) {
      this.grid = Array.from({ length: ROWS }, () => Array(COLS).fill(null)); // full: start over
    }
  }

  fits(cells, x, y) {
    return cells.every(([cx, cy]) => {
      const col = x + cx;
      const row = y + cy;
      return col >= 0 && col < COLS && row < ROWS && (row < 0 || !this.grid[row][col]);
    });
  }

  move(kind) {
    if (!this.timer) return;
    const p = this.piece;
    this.moves += 1;
    this.canvas.dataset.moves = String(this.moves);
    if (kind === "left" && this.fits(p.cells, p.x - 1, p.y)) p.x -= 1;
    else if (kind === "right" && this.fits(p.cells, p.x + 1, p.y)) p.x += 1;
    else if (kind === "down") this.fall();
    else if (kind === "drop") {
      while (this.fits(p.cells, p.x, p.y + 1)) p.y += 1;
      this.fall();
    } else if (kind === "rotate") {
      const turned = p.cells.map(([x, y]) => [3 - y, x]);
      const kick = [0, -1, 1, -2, 2].find((dx) => this.fits(turned, p.x + dx, p.y));
      if (kick !== undefined) {
        p.cells = turned;
        p.x += kick;
      }
    }
    this.draw();
  }

  fall() {
    const p = this.piece;
    if (this.fits(p.cells, p.x, p.y + 1)) {
      p.y += 1;
    } else {
      for (const [cx, cy] of p.cells) {
        if (p.y + cy >= 0) this.grid[p.y + cy][p.x + cx] = p.colour;
      }
      const kept = this.grid.filter((row) => row.some((cell) => !cell));
      const cleared = ROWS - kept.length;
      if (cleared) {
        this.grid = [...Array.from({ length: cleared }, () => Array(COLS).fill(null)), ...kept];
        this.lines += cleared;
        this.onLines(this.lines);
      }
      this.spawn();
    }
    this.draw();
  }

  draw() {
    const g = this.canvas.getContext("2d");
    const size = this.canvas.width / COLS;
    g.fillStyle = "#f4f4f2";
    g.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const cell = (col, row, colour) => {
      g.fillStyle = colour;
      g.fillRect(col * size + 1, row * size + 1, size - 2, size - 2);
    };
    this.grid.forEach((row, y) => row.forEach((colour, x) => colour && cell(x, y, colour)));
    const p = this.piece;
    for (const [cx, cy] of p.cells) if (p.y + cy >= 0) cell(p.x + cx, p.y + cy, p.colour);
  }
}
