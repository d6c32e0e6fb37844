import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { didYouMean, editDistance, nearest } from '../../src/util/suggest.js';
import { isTermSafe, termSafe } from '../../src/util/term.js';

test('editDistance: textbook values (kitten/sitting 3, swap counts 1, empty = length)', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('ab', 'ba'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('same', 'same'), 0);
});

test('nearest: misspelt names find their intended name; far names find nothing', () => {
  assert.deepEqual(nearest('fun.msi-wroks', ['fun.msi-works', 'sec.blocked-means-no-ats']), ['fun.msi-works']);
  assert.deepEqual(nearest('arm-smmu-3', ['arm-smmu-v3', 'intel', 'amd']), ['arm-smmu-v3']);
  assert.deepEqual(nearest('zzzzzz', ['intel', 'amd']), []);
  assert.equal(didYouMean('intle', ['intel', 'amd']), ' (did you mean "intel"?)');
  assert.equal(didYouMean('qqqq', ['intel', 'amd']), '');
});

test('termSafe: controls become visible escapes; ordinary text is unchanged', () => {
  assert.equal(termSafe('nvme'), 'nvme');
  assert.equal(termSafe('a\u001b[2Jb'), 'a\\e[2Jb');
  assert.equal(termSafe('x\ny\0'), 'x\\ny\\x00');
  assert.equal(termSafe('\u202eevil'), '\\u{202e}evil');
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => isTermSafe(termSafe(s))));
});
