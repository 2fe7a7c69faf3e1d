import { describe, expect, it } from 'vitest';
import { Listeners } from '../../../src/util/listeners.js';

describe('Listeners', () => {
  it('tells every callback, even after one throws, and stops telling a removed one', () => {
    const changes = new Listeners<string>();
    const seen: string[] = [];
    changes.add(() => {
      throw new Error('a broken listener');
    });
    const stop = changes.add((id) => seen.push(`a:${id}`));
    changes.add((id) => seen.push(`b:${id}`));
    expect(() => changes.notify('1')).not.toThrow();
    stop();
    changes.notify('2');
    changes.clear();
    changes.notify('3');
    expect(seen).toEqual(['a:1', 'b:1', 'b:2']);
  });

  it('does not call a callback added while notifying until the next change', () => {
    const changes = new Listeners<number>();
    const seen: number[] = [];
    changes.add(() => changes.add((n) => seen.push(n)));
    changes.notify(1);
    changes.notify(2);
    expect(seen).toEqual([2]);
  });
});
