/**
 * The Debian package: tools/deb.sh builds dist/askpw_VERSION_amd64.deb; its
 * contents and fields are as tools/deb.sh promises, lintian finds no error,
 * askpw(8) renders without a warning and covers every command, and in a fresh
 * bookworm root (tests/package/package_root.ts) `apt-get install ./askpw_….deb`
 * puts askpw into the initrd that root's own dracut builds (the package's
 * dracut.conf.d snippet, no --add askpw) and, through the package's presets
 * and postinst, enables askpw as the running system's agent and every user's
 * (`systemctl --root` says so; systemd's console agent is kept aside until
 * `systemctl disable askpw-agent.path`, the documented way back, which a
 * reinstallation respects), and `apt-get remove --purge` takes it all out
 * again and leaves no file or link behind.
 *
 * The .deb is built once per run and copied into a scratch directory, as is
 * the root, so that concurrent runs do not interfere.
 */
import assert from "node:assert/strict";
import { ASK_USAGE } from "../../src/cli/parse_ask_command_line.ts";
import { USAGE } from "../../src/cli/parse_command_line.ts";
import { REPLY_USAGE } from "../../src/cli/parse_reply_command_line.ts";
import { VARLINK_USAGE } from "../../src/cli/varlink_command.ts";
import { VERSION } from "../../src/version.ts";
import { roffEscape, roffLine } from "../../tools/man_page.ts";
import { run } from "../../tools/vm/run.ts";
import { buildRootInitrd, inRoot, preparePackageRoot } from "./package_root.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const options = { sanitizeOps: false, sanitizeResources: false };
const decoder = new TextDecoder();
/** The running system's units (packaging/systemd/system). */
const SYSTEM_UNITS = ["askpw-agent.path", "askpw-agent.service", "askpw-fallback.service"];
/** Each user's units (packaging/systemd/user). */
const USER_UNITS = ["askpw-agent.path", "askpw-agent.service"];
/** systemd's agents that askpw replaces, each with the package's drop-in. */
const STOCK_AGENT_UNITS = [
  "systemd-ask-password-console.path",
  "systemd-ask-password-console.service",
  "systemd-ask-password-plymouth.path",
  "systemd-ask-password-plymouth.service",
];

const scratch = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "askpw-deb-test-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(scratch, { recursive: true });
  } catch {
    // Already gone.
  }
});

/** The built package: a copy in this run's scratch directory, and its unpacked tree. */
interface Built {
  deb: string;
  tree: string;
  seconds: number;
}

let built: Promise<Built> | undefined;

/** Builds the .deb with tools/deb.sh (once per run, whichever test asks first). */
function buildDeb(): Promise<Built> {
  built ??= (async () => {
    const start = performance.now();
    // xz -1 rather than Debian's default -6: the same package, a minute sooner.
    const output = await run("sh", [`${ROOT}tools/deb.sh`], {
      env: { ASKPW_DEB_XZ_LEVEL: "1" },
    });
    const seconds = (performance.now() - start) / 1000;
    const path = /^deb: (dist\/askpw_\S+_amd64\.deb) /m.exec(output)?.[1];
    assert.ok(path, `tools/deb.sh names the package it built:\n${output}`);
    const deb = `${scratch}/${path.slice("dist/".length)}`;
    await Deno.copyFile(`${ROOT}${path}`, deb);
    const tree = `${scratch}/tree`;
    await run("dpkg-deb", ["-R", deb, tree]);
    console.log(`built ${path}: ${Deno.statSync(deb).size} bytes in ${seconds.toFixed(0)} s`);
    return { deb, tree, seconds };
  })();
  return built;
}

/** Runs a command; returns its exit code, stdout and stderr, whatever the code. */
async function capture(
  program: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(program, { args, env }).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Where enabling askpw-agent.path (system, then --global) puts its links. */
const ENABLED_LINKS = [
  "/etc/systemd/system/sysinit.target.wants/askpw-agent.path",
  "/etc/systemd/user/paths.target.wants/askpw-agent.path",
];

/** `systemctl --root=ROOT ARGS` (this host's systemctl on the root's files). */
async function systemctlRoot(
  root: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return await capture("systemctl", [`--root=${root}`, ...args]);
}

/**
 * Whether systemd's console agent would start in the root now: its
 * conditions (askpw's drop-in among them) as the root's systemd-analyze
 * evaluates them.
 */
async function stockAgentRuns(root: string): Promise<boolean> {
  const output = await inRoot(
    root,
    "systemd-analyze condition --unit=systemd-ask-password-console.path 2>&1; echo status=$?",
  );
  assert.match(output, /^status=[01]$/m, output);
  return /^status=0$/m.test(output);
}

/** The paths of an initrd, from the root's lsinitrd. */
async function initrdPaths(root: string, initrd: string): Promise<string[]> {
  const listing = await inRoot(root, `lsinitrd ${initrd}`);
  return listing.split("\n")
    .map((line) =>
      /^[-dlcbps][rwxsStT-]{9}\s.*?(?:\d\d:\d\d|\d{4}) (\S+)(?: -> \S+)?$/.exec(line)?.[1]
    )
    .filter((path): path is string => path !== undefined);
}

/** The highest GLIBC_x.y symbol version an ELF file needs. */
async function highestGlibc(file: string): Promise<string> {
  const symbols = await run("objdump", ["-T", file]);
  const versions = [...symbols.matchAll(/\(GLIBC_(\d+(?:\.\d+)+)\)/g)].map((match) => match[1]);
  assert.ok(versions.length > 0, `${file} has GLIBC_ symbol versions`);
  return versions.sort(compareVersions).at(-1)!;
}

/** Compares dotted version numbers. */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split(".").map(Number), b.split(".").map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

Deno.test({
  ...options,
  name: "deb: tools/deb.sh builds a package with askpw, its dracut module, man page and docs",
}, async () => {
  const { deb, tree } = await buildDeb();
  const deno = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const denoPackage = JSON.parse(
    await Deno.readTextFile(`${ROOT}node_modules/deno/package.json`),
  );

  // Contents: path -> mode, owner, time.
  const entries = new Map<string, { mode: string; owner: string; time: string }>();
  for (const line of (await run("dpkg-deb", ["-c", deb])).trim().split("\n")) {
    const [mode, owner, , date, time, path] = line.split(/\s+/);
    entries.set(path.replace(/^\.\//, "").replace(/\/$/, ""), { mode, owner, time: date + time });
  }
  const modules = [...Deno.readDirSync(`${ROOT}dracut-module/90askpw`)].map((entry) => entry.name);
  const expected: Record<string, string> = {
    "usr/bin/askpw": "-rwxr-xr-x",
    "usr/lib/askpw/deno": "-rwxr-xr-x",
    "usr/lib/askpw/askpw.js": "-rw-r--r--",
    "usr/lib/dracut/dracut.conf.d/90-askpw.conf": "-rw-r--r--",
    "usr/share/man/man8/askpw.8.gz": "-rw-r--r--",
    "usr/share/doc/askpw/copyright": "-rw-r--r--",
    "usr/share/doc/askpw/changelog.Debian.gz": "-rw-r--r--",
    "usr/share/lintian/overrides/askpw": "-rw-r--r--",
  };
  // Scripts (a "#!" line: module-setup.sh, askpw-runtime-image.sh) executable, units not.
  for (const name of modules) {
    const script = Deno.readTextFileSync(`${ROOT}dracut-module/90askpw/${name}`).startsWith("#!");
    expected[`usr/lib/dracut/modules.d/90askpw/${name}`] = script ? "-rwxr-xr-x" : "-rw-r--r--";
  }
  // The running system's units, the drop-ins that keep systemd's agents as
  // the fallback, each user's units, the presets.
  for (const unit of SYSTEM_UNITS) expected[`usr/lib/systemd/system/${unit}`] = "-rw-r--r--";
  for (const unit of STOCK_AGENT_UNITS) {
    expected[`usr/lib/systemd/system/${unit}.d/90-askpw.conf`] = "-rw-r--r--";
  }
  for (const unit of USER_UNITS) expected[`usr/lib/systemd/user/${unit}`] = "-rw-r--r--";
  expected["usr/lib/systemd/system-preset/80-askpw.preset"] = "-rw-r--r--";
  expected["usr/lib/systemd/user-preset/80-askpw.preset"] = "-rw-r--r--";
  assert.ok(modules.includes("module-setup.sh") && modules.length >= 5, "the module is all there");
  for (const [path, mode] of Object.entries(expected)) {
    assert.equal(entries.get(path)?.mode, mode, `${path} is in the package, ${mode}`);
  }
  const files = [...entries].filter(([, entry]) => !entry.mode.startsWith("d"));
  assert.deepEqual(files.map(([path]) => path).sort(), Object.keys(expected).sort());
  for (const [path, entry] of entries) {
    assert.equal(entry.owner, "root/root", `${path} is root's`);
    if (entry.mode.startsWith("d")) assert.equal(entry.mode, "drwxr-xr-x", `${path}'s mode`);
  }
  assert.equal(new Set([...entries.values()].map((entry) => entry.time)).size, 1, "one mtime");

  // Fields.
  const field = async (name: string) => (await run("dpkg-deb", ["-f", deb, name])).trim();
  const version = await field("Version");
  assert.equal(version.replace(/-[^-]+$/, ""), deno.version, "Version is deno.json's");
  assert.equal(deno.version, VERSION, "deno.json and src/version.ts agree");
  assert.match(version, /^[\d.]+-\d+$/, "upstream version and Debian revision");
  assert.ok(deb.endsWith(`/askpw_${version}_amd64.deb`));
  assert.equal(await field("Package"), "askpw");
  assert.equal(await field("Architecture"), "amd64");
  assert.equal(await field("Section"), "admin");
  assert.equal(await field("Priority"), "optional");
  const maintainer = await field("Maintainer");
  assert.match(maintainer, /^[^<>]+ <[^@\s<>]+@[^@\s<>]+\.[a-z]+>$/);
  const changelog = `${scratch}/changelog`;
  await run("sh", [
    "-c",
    `gzip -dc "$1" > "$2"`,
    "sh",
    `${tree}/usr/share/doc/askpw/changelog.Debian.gz`,
    changelog,
  ]);
  assert.equal(
    (await run("dpkg-parsechangelog", ["-l", changelog, "-S", "Version"])).trim(),
    version,
  );
  assert.equal(
    (await run("dpkg-parsechangelog", ["-l", changelog, "-S", "Maintainer"])).trim(),
    maintainer,
  );
  const depends = await field("Depends");
  console.log(`Depends: ${depends}`);
  for (const dependency of ["dracut-core", "systemd"]) {
    assert.ok(depends.split(/,\s*/).includes(dependency), `Depends on ${dependency}`);
  }
  const libc = /(?:^|, )libc6 \(>= ([\d.]+)\)/.exec(depends)?.[1];
  assert.ok(libc, "Depends on a libc6 version");
  const glibc = await highestGlibc(`${tree}/usr/lib/askpw/deno`);
  assert.ok(compareVersions(libc, glibc) >= 0, `libc6 >= ${libc} covers GLIBC_${glibc}`);
  assert.match(depends, /(?:^|, )libgcc-s1 \(>= [\d.]+\)/, "libgcc_s.so.1 is needed too");
  const description = await field("Description");
  const [synopsis, ...long] = description.split("\n");
  assert.ok(synopsis.length < 80 && !/^askpw\b/i.test(synopsis) && !synopsis.endsWith("."));
  assert.ok(long.length >= 5, "a long description");
  // Installed-Size as dpkg-gencontrol counts: KiB per file rounded up, 1 per other entry.
  let kib = 0;
  for (const [path, entry] of entries) {
    if (path === "" || path === ".") continue;
    kib += entry.mode.startsWith("-") ? Math.ceil(Deno.statSync(`${tree}/${path}`).size / 1024) : 1;
  }
  assert.equal(Number(await field("Installed-Size")), kib);

  // Control files: md5sums match, the trigger, the copyright file.
  await run("md5sum", ["--quiet", "-c", "DEBIAN/md5sums"], { cwd: tree });
  assert.equal(
    (await Deno.readTextFile(`${tree}/DEBIAN/md5sums`)).trim().split("\n").length,
    files.length,
  );
  assert.match(
    await Deno.readTextFile(`${tree}/DEBIAN/triggers`),
    /^activate-noawait update-initramfs$/m,
  );
  // The units' files are the checkout's, the drop-in under each stock agent's name.
  for (const unit of SYSTEM_UNITS) {
    assert.equal(
      await Deno.readTextFile(`${tree}/usr/lib/systemd/system/${unit}`),
      await Deno.readTextFile(`${ROOT}packaging/systemd/system/${unit}`),
    );
  }
  for (const unit of STOCK_AGENT_UNITS) {
    assert.equal(
      await Deno.readTextFile(`${tree}/usr/lib/systemd/system/${unit}.d/90-askpw.conf`),
      await Deno.readTextFile(`${ROOT}packaging/systemd/system/stock-agent-when-askpw-is-off.conf`),
    );
  }
  // The maintainer scripts: executable sh scripts that parse, each with set -e.
  for (const script of ["postinst", "prerm", "postrm"]) {
    const info = await Deno.stat(`${tree}/DEBIAN/${script}`);
    assert.equal(info.mode! & 0o777, 0o755, `${script} is 0755`);
    const text = await Deno.readTextFile(`${tree}/DEBIAN/${script}`);
    assert.match(text, /^#!\/bin\/sh\n/, `${script} is an sh script`);
    assert.match(text, /^set -e$/m);
    await run("sh", ["-n", `${tree}/DEBIAN/${script}`]);
    await run("dash", ["-n", `${tree}/DEBIAN/${script}`]);
  }
  const postinst = await Deno.readTextFile(`${tree}/DEBIAN/postinst`);
  assert.match(postinst, /systemctl "--\$1" preset "\$2"/, "the presets decide");
  assert.match(postinst, /^ {8}apply_preset system askpw-agent\.path$/m);
  assert.match(postinst, /^ {8}apply_preset global askpw-agent\.path$/m);
  const copyright = await Deno.readTextFile(`${tree}/usr/share/doc/askpw/copyright`);
  assert.match(
    copyright,
    /^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/$/m,
  );
  assert.match(copyright, /^Files: usr\/lib\/askpw\/deno\b/m);
  assert.ok(copyright.includes(`deno ${denoPackage.version}`), "names the deno npm version");
  assert.doesNotMatch(copyright, /@[A-Z_]+@/, "no placeholder left");
  const denoLicense = await Deno.readTextFile(`${ROOT}node_modules/deno/LICENSE`);
  const denoCopyright = /^Copyright (.*)$/m.exec(denoLicense)![1];
  assert.ok(copyright.includes(`Copyright: ${denoCopyright}`), "Deno's copyright line");
});

Deno.test({
  ...options,
  name: "deb: lintian reports no error",
}, async () => {
  const { deb } = await buildDeb();
  const start = performance.now();
  const lintian = await capture("lintian", ["--fail-on", "none", "--show-overrides", deb]);
  const seconds = (performance.now() - start) / 1000;
  assert.equal(lintian.code, 0, `lintian ran:\n${lintian.stdout}${lintian.stderr}`);
  const tags = lintian.stdout.split("\n").filter((line) => /^[EWIPXO]: /.test(line));
  console.log(`lintian (${seconds.toFixed(0)} s):\n${tags.join("\n") || "(no tags)"}`);
  assert.deepEqual(tags.filter((line) => line.startsWith("E: ")), []);
  // Nothing about the units and the maintainer scripts but the overridden
  // systemctl calls (the presets; see packaging/debian/lintian-overrides).
  assert.deepEqual(
    tags.filter((line) =>
      /systemd|maintainer-script|preset|postinst|postrm|prerm|\.service|\.path/.test(line) &&
      !line.startsWith("O: askpw: maintainer-script-calls-systemctl [")
    ),
    [],
  );
});

Deno.test({
  ...options,
  name: "deb: askpw(8) renders without warnings and documents every command and option",
}, async () => {
  const { tree } = await buildDeb();
  const page = `${tree}/usr/share/man/man8/askpw.8.gz`;
  // As lintian checks a manual page.
  const man = await capture("man", ["--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page], {
    LC_ALL: "C.UTF-8",
    MANWIDTH: "80",
  });
  assert.equal(man.code, 0, man.stderr);
  assert.equal(man.stderr, "", "man --warnings says nothing");
  const roff = `${scratch}/askpw.8`;
  await run("sh", ["-c", `gzip -dc "$1" > "$2"`, "sh", page, roff]);
  const groff = await capture("groff", ["-man", "-Tutf8", "-ww", "-z", roff]);
  assert.equal(groff.code, 0, groff.stderr);
  assert.equal(groff.stderr, "", "groff -ww says nothing");
  const text = await run("groff", ["-man", "-Tutf8", "-P-cbou", roff]);
  for (
    const section of [
      "NAME",
      "SYNOPSIS",
      "DESCRIPTION",
      "COMMANDS",
      "OPTIONS",
      "EXIT STATUS",
      "FILES",
      "SEE ALSO",
    ]
  ) {
    assert.match(text, new RegExp(`^${section}$`, "m"), `section ${section}`);
  }
  for (const command of ["list", "ask", "reply", "varlink", "query", "watch"]) {
    assert.ok(text.includes(`askpw ${command}`), `askpw ${command} is documented`);
  }
  for (const usage of [USAGE, ASK_USAGE, REPLY_USAGE, VARLINK_USAGE]) {
    for (const [option] of usage.matchAll(/--[a-z][a-z-]*/g)) {
      assert.ok(text.includes(option), `${option} is documented`);
    }
  }
  assert.ok(text.includes(`askpw ${VERSION}`), "the version in the footer");
  // The whatis entry (NAME) parses, as apropos and lintian read it.
  assert.match(await run("lexgrog", [page]), /askpw - answers systemd password requests/);
  // Escaping: a backslash, and lines that would be requests.
  assert.equal(roffEscape("a\\b"), "a\\eb");
  assert.equal(roffLine(".x"), "\\&.x");
  assert.equal(roffLine("'x"), "\\&'x");
  assert.equal(roffEscape("—"), "\\[u2014]");
});

Deno.test({
  ...options,
  name: "deb: installed in a bookworm root, its dracut puts askpw into the initrd; purged, out",
}, async () => {
  const { deb } = await buildDeb();
  const directory = `${scratch}/root`;
  await Deno.mkdir(directory);
  try {
    const start = performance.now();
    // Uncompressed: Debian's dracut would gzip (with one CPU) for a minute.
    const { root, kernelVersion, vmlinuz, initrd, installOutput } = await preparePackageRoot({
      deb,
      directory,
      // The same package set as tests/boot/package_boot_test.ts: one cached root.
      extraPackages: ["cryptsetup", "zstd"],
      dracutArgs: ["--no-compress"],
    });
    console.log(
      `root: kernel ${kernelVersion} (${vmlinuz.slice(root.length)}), initrd ` +
        `${initrd.slice(root.length)} (${Deno.statSync(initrd).size} bytes), ` +
        `ready in ${((performance.now() - start) / 1000).toFixed(0)} s`,
    );
    assert.match(installOutput, /Processing triggers for dracut/, "the package's trigger fired");
    assert.equal((await inRoot(root, "askpw --version")).trim(), `askpw ${VERSION}`);
    // Debian's dracut sets no hostonly=: generic initrds by default.
    assert.equal(
      await inRoot(
        root,
        "grep -rs '^[^#]*hostonly' /etc/dracut.conf /etc/dracut.conf.d /usr/lib/dracut/dracut.conf.d || true",
      ),
      "",
    );

    const paths = await initrdPaths(root, "/boot/initrd-test.img");
    for (
      const path of [
        "usr/bin/askpw",
        "usr/lib/askpw/deno",
        "usr/lib/askpw/askpw.js",
        "usr/lib/systemd/system/askpw-agent.path",
        "usr/lib/systemd/system/askpw-agent.service",
        "usr/lib/systemd/system/askpw-fallback.service",
        // Bookworm's systemd 252 has no systemd-ask-password.socket.
        "usr/lib/systemd/system/askpw-varlink.socket",
        "usr/lib/systemd/system/askpw-varlink.service",
        "usr/lib/systemd/system/systemd-ask-password-console.path.d/90-askpw.conf",
        "usr/lib/systemd/system/systemd-cryptsetup@.service.d/90-askpw.conf",
      ]
    ) {
      assert.ok(paths.includes(path), `${path} is in the initrd`);
    }
    // Enabled by the module (systemctl --root add-wants puts the links into etc).
    for (
      const link of [
        "sysinit.target.wants/askpw-agent.path",
        "sockets.target.wants/askpw-varlink.socket",
      ]
    ) {
      assert.ok(
        paths.some((path) => path.match(/^(etc|usr\/lib)\/systemd\/system\/(.*)$/)?.[2] === link),
        `${link} is in the initrd`,
      );
    }
    // No-hostonly: the storage drivers a VM boots from are there.
    assert.ok(paths.some((path) => /\/virtio_blk\.ko/.test(path)), "virtio_blk is in the initrd");

    // The running system: the presets (applied by the postinst) enabled
    // askpw's path unit for the system and, through --global, every user.
    for (const scope of [[], ["--global"]]) {
      const state = await systemctlRoot(root, ...scope, "is-enabled", "askpw-agent.path");
      assert.equal(state.stdout.trim(), "enabled", `${scope} askpw-agent.path: ${state.stderr}`);
    }
    for (const link of ENABLED_LINKS) {
      assert.ok(Deno.lstatSync(`${root}${link}`).isSymlink, `${link} links askpw-agent.path`);
      assert.match(Deno.readLinkSync(`${root}${link}`), /\/askpw-agent\.path$/);
    }
    assert.ok(Deno.statSync(`${root}/var/lib/askpw/presets/system.askpw-agent.path`).isFile);
    // The units load as the root's own systemd reads them.
    await inRoot(
      root,
      `systemd-analyze verify --man=no ${SYSTEM_UNITS.join(" ")} systemd-ask-password-console.path`,
    );
    await inRoot(
      root,
      "mkdir -p /run/user/0 && XDG_RUNTIME_DIR=/run/user/0 " +
        `systemd-analyze --user verify --man=no ${USER_UNITS.join(" ")}`,
    );
    // systemd's console agent is kept aside while askpw is enabled...
    assert.equal(await stockAgentRuns(root), false, "systemd's console agent stands aside");
    // ...and runs again after the one documented command.
    const disable = await systemctlRoot(root, "disable", "askpw-agent.path");
    assert.equal(disable.code, 0, disable.stderr);
    assert.equal(
      (await systemctlRoot(root, "is-enabled", "askpw-agent.path")).stdout.trim(),
      "disabled",
    );
    assert.equal(await stockAgentRuns(root), true, "systemd's console agent is back");
    // A reinstallation (or an upgrade) keeps the administrator's choice.
    const name = deb.slice(deb.lastIndexOf("/") + 1);
    await Deno.copyFile(deb, `${root}/tmp/${name}`);
    await inRoot(
      root,
      `cd /tmp && INITRD=No apt-get install -y -q --reinstall ./${name} && rm ./${name}`,
    );
    assert.equal(
      (await systemctlRoot(root, "is-enabled", "askpw-agent.path")).stdout.trim(),
      "disabled",
    );
    assert.equal(
      (await systemctlRoot(root, "--global", "is-enabled", "askpw-agent.path")).stdout.trim(),
      "enabled",
    );
    // Enabled again: the purge has the links to remove.
    assert.equal((await systemctlRoot(root, "enable", "askpw-agent.path")).code, 0);

    // Remove and purge: askpw leaves the next initrd and the file system.
    const owned = (await inRoot(root, "dpkg -L askpw")).trim().split("\n");
    assert.ok(owned.includes("/usr/lib/askpw/deno"), "dpkg -L lists the package's files");
    const removeOutput = await inRoot(root, "INITRD=No apt-get remove --purge -y -q askpw");
    assert.match(removeOutput, /Processing triggers for dracut/, "removal fires the trigger too");
    assert.doesNotMatch(
      await inRoot(root, "dpkg-query -W -f='${db:Status-Abbrev}' askpw 2>/dev/null || true"),
      /^[a-z][a-z]/,
      "askpw is no longer known to dpkg",
    );
    // Without the kernel's modules this time: only askpw's absence is in question.
    await buildRootInitrd(root, kernelVersion, ["--no-kernel", "--no-compress"]);
    const after = await initrdPaths(root, "/boot/initrd-test.img");
    assert.ok(after.includes("usr/lib/systemd/systemd"), "the new initrd was listed");
    assert.deepEqual(after.filter((path) => path.includes("askpw")), []);
    for (const path of owned) {
      let info: Deno.FileInfo;
      try {
        info = Deno.lstatSync(`${root}${path}`);
      } catch {
        continue;
      }
      // Only directories other packages share may stay, and never empty.
      assert.ok(info.isDirectory, `${path} is gone`);
      assert.ok([...Deno.readDirSync(`${root}${path}`)].length > 0, `${path} is gone (empty)`);
    }
    for (
      const path of [
        "/usr/lib/askpw",
        "/usr/lib/dracut/modules.d/90askpw",
        "/usr/share/doc/askpw",
        "/usr/lib/dracut/dracut.conf.d/90-askpw.conf",
        "/usr/lib/systemd/system/askpw-agent.path",
        "/usr/lib/systemd/system/systemd-ask-password-console.path.d",
        "/usr/lib/systemd/user/askpw-agent.path",
        "/var/lib/askpw",
        ...ENABLED_LINKS,
      ]
    ) {
      assert.throws(() => Deno.lstatSync(`${root}${path}`), `${path} is gone`);
    }
    // Neither enabled nor known any more, in no scope; no link is left in /etc.
    for (const scope of [[], ["--global"]]) {
      const state = await systemctlRoot(root, ...scope, "is-enabled", "askpw-agent.path");
      assert.notEqual(state.code, 0, `${scope} askpw-agent.path is unknown: ${state.stdout}`);
    }
    assert.equal((await run("find", [`${root}/etc/systemd`, "-name", "*askpw*"])).trim(), "");
    assert.equal(await stockAgentRuns(root), true, "systemd's console agent as before");
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
