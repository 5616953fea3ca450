/**
 * The interactive shell in a real terminal, driven through tmux: prompts, continuation,
 * tab completion, Ctrl-C abandoning input, Up-arrow history (also across runs) and Ctrl-D.
 * Skipped when tmux is not installed.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";

const HAVE_TMUX = (() => {
  try {
    new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
})();

const MAIN = new URL("../../src/shell/main.ts", import.meta.url).pathname;

class Tmux {
  constructor(readonly socket: string, readonly session: string) {}

  run(...args: string[]): string {
    const r = new Deno.Command("tmux", { args: ["-S", this.socket, ...args] }).outputSync();
    return new TextDecoder().decode(r.stdout);
  }

  /** Types text literally (tmux would take a trailing `;` as a command separator). */
  type(text: string): void {
    this.run("send-keys", "-t", this.session, "-l", text.replaceAll(";", "\\;"));
  }

  keys(...keys: string[]): void {
    this.run("send-keys", "-t", this.session, ...keys);
  }

  screen(): string {
    return this.run("capture-pane", "-p", "-t", this.session);
  }

  alive(): boolean {
    return new Deno.Command("tmux", {
      args: ["-S", this.socket, "has-session", "-t", this.session],
    })
      .outputSync().success;
  }

  /** Waits until the screen satisfies `ok` (or fails after 30 s: CI machines are busy). */
  async waitFor(ok: (screen: string) => boolean, what: string): Promise<string> {
    let s = "";
    for (let i = 0; i < 300; i++) {
      s = this.screen();
      if (ok(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
  }
}

function start(dir: string, name: string): Tmux {
  const t = new Tmux(`${dir}/tmux.sock`, name);
  t.run(
    "new-session",
    "-d",
    "-s",
    name,
    "-x",
    "120",
    "-y",
    "40",
    `env HOME=${dir} deno run --allow-read --allow-write --allow-env ${MAIN} ${dir}/x.db`,
  );
  return t;
}

Deno.test({
  name: "interactive: prompts, completion, Ctrl-C, history, Ctrl-D",
  ignore: !HAVE_TMUX,
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    try {
      const t = start(dir, "one");
      await t.waitFor((s) => s.includes("tsqlite>"), "the prompt");
      t.type("create table t(a, b);");
      t.keys("Enter");
      t.type("insert into t values(1,");
      t.keys("Enter");
      await t.waitFor((s) => s.includes("   ...>"), "the continuation prompt");
      t.type("2);");
      t.keys("Enter");
      t.type("select * fro");
      t.keys("Tab");
      await t.waitFor((s) => s.trimEnd().endsWith("select * from"), "keyword completion");
      t.type("t;");
      t.keys("Enter");
      await t.waitFor((s) => s.includes("tsqlite> select * from t;\n1|2\n"), "the result");
      t.type("select 'abandoned'");
      t.keys("Enter");
      t.type("more");
      t.keys("C-c");
      await t.waitFor(
        (s) => /more\^C\ntsqlite>\s*$/.test(s.trimEnd() + " "),
        "Ctrl-C back at the main prompt",
      );
      t.type("select 'after';");
      t.keys("Enter");
      await t.waitFor((s) => s.includes("\nafter\n"), "input after Ctrl-C runs alone");
      t.keys("Up");
      await t.waitFor((s) => s.trimEnd().endsWith("tsqlite> select 'after';"), "history recall");
      t.keys("C-u", "C-d");
      for (let i = 0; i < 50 && t.alive(); i++) await new Promise((r) => setTimeout(r, 100));
      assert(!t.alive(), "Ctrl-D exits");
      const history = Deno.readTextFileSync(`${dir}/.tsqlite_history`);
      assertStringIncludes(history, "select 'after';\n");

      // A new run recalls the previous run's history.
      const t2 = start(dir, "two");
      await t2.waitFor((s) => s.includes("tsqlite>"), "the prompt");
      t2.keys("Up");
      await t2.waitFor((s) => s.includes("tsqlite> select 'after';"), "history across runs");
      t2.keys("C-u");
      t2.type(".quit");
      t2.keys("Enter");
      for (let i = 0; i < 50 && t2.alive(); i++) await new Promise((r) => setTimeout(r, 100));
      assertEquals(t2.alive(), false);
    } finally {
      new Deno.Command("tmux", { args: ["-S", `${dir}/tmux.sock`, "kill-server"] }).outputSync();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
