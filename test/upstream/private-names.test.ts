import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/db.js';
import { OrgStore } from '../../src/store/uploads.js';
import { PrivateNames } from '../../src/upstream/private-names.js';

describe('private names', () => {
  it('finds public names one edit, a separator or a look-alike letter away from a claimed private name', async () => {
    const org = new OrgStore(await openSqlite(':memory:'));
    await org.claim('acme-billing', 'acme');
    const learned: string[] = [];
    const names = new PrivateNames(org, { merge: ['corp-*'], onNew: (p) => learned.push(p) });
    await names.refresh();
    await names.claim('corp-auth-client', 'corp');
    expect(learned).toEqual(['corp-auth-client']);
    expect(await org.claimOf('corp-auth-client')).toBe('corp');
    expect(names.imitated('acme-biling')).toBe('acme-billing');
    expect(names.imitated('acmebilling')).toBe('acme-billing');
    expect(names.imitated('acme-bi11ing')).toBe('acme-billing'); // two edits: allowed on names of 10+ letters, as for popular names
    expect(names.imitated('аcme-billing')).toBe('acme-billing'); // Cyrillic а
    expect(names.imitated('corp-auth-clients')).toBe('corp-auth-client');
    // A private name is not its own look-alike, and unrelated names pass.
    expect(names.imitated('acme-billing')).toBeUndefined();
    expect(names.imitated('requests')).toBeUndefined();
    // A public listing of the private name itself is a target, unless the name may be merged.
    expect(names.targetOf('acme-billing')).toBe('acme-billing');
    expect(names.targetOf('corp-auth-client')).toBeUndefined();
    expect(names.targetOf('acme-biling')).toBe('acme-billing');
  });

  it('learns a name another serving process claimed (--processes, replicas share the claims table)', async () => {
    const db = await openSqlite(':memory:');
    const here = new PrivateNames(new OrgStore(db));
    const learned: string[] = [];
    const there = new PrivateNames(new OrgStore(db), { onNew: (p) => learned.push(p) });
    await Promise.all([here.refresh(), there.refresh()]);
    await here.claim('acme-billing', 'acme');
    // Until its change poll, the other process does not know the name: a look-alike would pass there.
    expect(there.targetOf('acme-biling')).toBeUndefined();
    await there.refresh();
    expect(there.targetOf('acme-biling')).toBe('acme-billing');
    expect(there.targetOf('acme-billing')).toBe('acme-billing');
    expect(learned).toEqual(['acme-billing']); // its rendered pages are redone
    await there.refresh(); // nothing new: nothing redone
    expect(learned).toEqual(['acme-billing']);
  });
});
