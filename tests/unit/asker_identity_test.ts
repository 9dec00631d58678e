import assert from "node:assert/strict";
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { openPidfd } from "../../src/ffi/process.ts";
import {
  describeAsker,
  identifyProcess,
  unitFromCgroup,
} from "../../src/request/asker_identity.ts";

Deno.test("unitFromCgroup: the first unit below the slices, from the unified hierarchy", () => {
  assert.equal(
    unitFromCgroup(
      "0::/system.slice/system-systemd\\x2dcryptsetup.slice/" +
        "systemd-cryptsetup@root.service\n",
    ),
    "systemd-cryptsetup@root.service",
  );
  assert.equal(
    unitFromCgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n"),
    "user@1000.service",
  );
  assert.equal(unitFromCgroup("0::/\n"), undefined);
  assert.equal(unitFromCgroup("0::/init.scope\n"), "init.scope");
});

Deno.test("unitFromCgroup: on a hybrid system without a unified entry, name=systemd", () => {
  assert.equal(
    unitFromCgroup("4:memory:/x\n1:name=systemd:/system.slice/foo.service\n"),
    "foo.service",
  );
  assert.equal(unitFromCgroup("1:name=systemd:/some/dir\n"), undefined);
});

Deno.test("identifyProcess: reads a live process; a process that exited lends no identity", async () => {
  const self = openPidfd(Deno.pid)!;
  const identity = identifyProcess(Deno.pid, self)!;
  closeFd(self);
  assert.equal(identity.exe, Deno.execPath());
  assert.ok(identity.commandLine!.length > 1);
  const child = new Deno.Command("sleep", { args: ["5"] }).spawn();
  const pidfd = openPidfd(child.pid)!;
  child.kill("SIGKILL");
  await child.status;
  // The PID may be anybody's now: what /proc says under it is not the asker's.
  assert.equal(identifyProcess(child.pid, pidfd), undefined);
  closeFd(pidfd);
});

Deno.test("describeAsker: the unit, else the program and PID", () => {
  assert.equal(describeAsker({ pid: 7, unit: "a.service", exe: "/bin/x" }), "a.service");
  assert.equal(
    describeAsker({ pid: 7, exe: "/usr/bin/systemd-ask-password" }),
    "systemd-ask-password (PID 7)",
  );
  assert.equal(describeAsker({ pid: 7 }), "PID 7");
});
