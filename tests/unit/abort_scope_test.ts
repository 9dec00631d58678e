import assert from "node:assert/strict";
import { AbortScope } from "../../src/reactor/abort_scope.ts";

Deno.test("AbortScope: follows its parent, ends with its scope", () => {
  const parent = new AbortController();
  const scope = new AbortScope(parent.signal);
  assert.equal(scope.signal.aborted, false);
  scope[Symbol.dispose]();
  assert.equal(scope.signal.aborted, true);
  assert.equal(parent.signal.aborted, false, "the parent is untouched");
  using second = new AbortScope(parent.signal);
  parent.abort();
  assert.equal(second.signal.aborted, true);
});

Deno.test("AbortScope: an already aborted parent gives an aborted scope", () => {
  const parent = new AbortController();
  parent.abort();
  using scope = new AbortScope(parent.signal);
  assert.equal(scope.signal.aborted, true);
});
