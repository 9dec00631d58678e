/**
 * What askpw tells the service manager (READY=1, STATUS= lines that follow
 * what it does, STOPPING=1) and its check of systemd 258's pidfs IDs
 * ($MAINPIDFDID, $MANAGERPIDFDID) against the PIDs beside them.
 */
import assert from "node:assert/strict";
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { pidfsInodeId } from "../../src/ffi/pidfs.ts";
import { openPidfd } from "../../src/ffi/process.ts";
import { startAskpw } from "../helpers/agents.ts";
import { NotifySocket } from "../helpers/notify_socket.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker } from "../helpers/recording_asker.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...options,
  name: "STATUS= says how many requests wait and where askpw asks, as it changes",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  using notify = new NotifySocket();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`], {
    NOTIFY_SOCKET: notify.path,
  });
  await notify.waitFor(/^READY=1\n/);
  const surface = `console ${pty.path}`;
  await notify.waitFor(new RegExp(`^STATUS=Waiting for password requests; asking on ${surface}$`));
  const askers = [1, 2].map((n) => RecordingAsker.create(namespace, { message: `Status ${n}:` }));
  await notify.waitFor(new RegExp(`^STATUS=2 requests pending; asking on ${surface}$`));
  await pty.waitFor(/Status \d: /);
  pty.type("one\r");
  await notify.waitFor(new RegExp(`^STATUS=1 request pending; asking on ${surface}$`));
  agent.process.kill("SIGTERM");
  await notify.waitFor(/^STOPPING=1/);
  for (const asker of askers) asker[Symbol.dispose]();
});

Deno.test({
  ...options,
  name: "$MAINPIDFDID is checked against a pidfd of $MAINPID: a mismatch is logged",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  const main = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    const pidfd = openPidfd(main.pid)!;
    const id = pidfsInodeId(pidfd);
    closeFd(pidfd);
    {
      await using agent = startAskpw(namespace, ["watch", "--debug", `--console=${pty.path}`], {
        MAINPID: String(main.pid),
        MAINPIDFDID: "1",
      });
      const expected = id === undefined
        ? /\$MAINPIDFDID not verified: this kernel has no pidfs/
        : new RegExp(`\\$MAINPIDFDID=1 does not match PID ${main.pid} \\(pidfs ID ${id}\\)`);
      await agent.waitForLog(expected);
    }
    if (id !== undefined) {
      await using agent = startAskpw(namespace, ["watch", "--debug", `--console=${pty.path}`], {
        MAINPID: String(main.pid),
        MAINPIDFDID: String(id),
        MANAGERPID: String(Deno.pid),
        MANAGERPIDFDID: "2",
      });
      await agent.waitForLog(`$MAINPIDFDID verified: PID ${main.pid} has pidfs ID ${id}`);
      await agent.waitForLog(new RegExp(`\\$MANAGERPIDFDID=2 does not match PID ${Deno.pid}`));
      assert.doesNotMatch(agent.log, /\$MAINPIDFDID=\d+ does not match/);
    }
  } finally {
    main.kill("SIGKILL");
    await main.status;
  }
});
