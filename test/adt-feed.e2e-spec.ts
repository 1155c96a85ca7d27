import net from 'node:net';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { PiiCipher } from '@bedlink/persistence';
import { MllpListener } from '../apps/api/src/hl7/mllp.listener';
import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';

jest.setTimeout(300_000);

/** A small seeded generator, so a failing run can be replayed from the seed in its test name. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}
type Rnd = ReturnType<typeof prng>;

/** FNV-1a of a case's label: each case draws from a generator of its own, whatever ran before it. */
function labelHash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

type Status = 'U' | 'O' | 'H' | 'C' | 'I' | 'K';
type Ack = 'AA' | 'AE' | 'AR';
/** The manual moves of HL7 table 0116 as DOMAIN.md draws them (written here, not imported from the code). */
const MANUAL: Record<string, Status> = { 'H>U': 'U', 'H>C': 'C', 'U>C': 'C', 'C>U': 'U', 'U>I': 'I', 'I>U': 'U', 'U>K': 'K', 'O>K': 'K', 'K>H': 'H' };

/**
 * The feed's truth, computed without the engine: what a ward's beds look like after each message,
 * and which answer each message deserves. Malformed → AR; understood but impossible here (unknown
 * bed or patient, a bed not free, a patient already in a bed, a discharge from a bed they are not in) → AE.
 */
class Ward {
  status = new Map<string, Status>();
  occupant = new Map<string, string | null>();
  known = new Set<string>();
  constructor(beds: string[]) {
    for (const b of beds) {
      this.status.set(b, 'U');
      this.occupant.set(b, null);
    }
  }
  bedOf(rid: string) {
    return [...this.occupant].find(([, p]) => p === rid)?.[0];
  }
  apply(m: Msg): Ack {
    if (m.malformed) return 'AR';
    if (m.bed && !this.status.has(m.bed)) return 'AE';
    const s = m.bed ? this.status.get(m.bed)! : undefined;
    switch (m.event) {
      case 'A01': {
        const at = this.bedOf(m.rid!);
        if (at === m.bed) return 'AA';
        if (at || !(s === 'U' || s === 'I')) return 'AE';
        this.known.add(m.rid!);
        return this.put(m.bed!, 'O', m.rid!);
      }
      case 'A08':
        // an update with a location is a move, like an A02; without one it changes nothing
        return m.bed ? this.move(m, s) : 'AA';
      case 'A02':
        return this.move(m, s);
      case 'A03':
        // no referral waits for these patients: the stay ends (EndStay), the bed to housekeeping
        if (!this.known.has(m.rid!) || this.occupant.get(m.bed!) !== m.rid) return 'AE';
        return this.put(m.bed!, 'H', null);
      case 'A11':
        if (!this.known.has(m.rid!) || this.occupant.get(m.bed!) !== m.rid) return 'AE';
        return this.put(m.bed!, 'U', null);
      case 'A13':
        if (!this.known.has(m.rid!) || this.bedOf(m.rid!) || s !== 'H') return 'AE';
        return this.put(m.bed!, 'O', m.rid!);
      case 'A20': {
        if (m.to === s) return 'AA';
        const to = MANUAL[`${s}>${m.to}`];
        if (!to) return 'AE';
        return this.put(m.bed!, to, null);
      }
    }
    return 'AE';
  }
  private move(m: Msg, s: Status | undefined): Ack {
    if (!this.known.has(m.rid!)) return 'AE';
    const from = this.bedOf(m.rid!);
    if (!from) return 'AE';
    if (from === m.bed) return 'AA';
    if (!(s === 'U' || s === 'I')) return 'AE';
    this.put(from, 'H', null);
    return this.put(m.bed!, 'O', m.rid!);
  }
  private put(bed: string, s: Status, rid: string | null): Ack {
    this.status.set(bed, s);
    this.occupant.set(bed, rid);
    return 'AA';
  }
}

interface Msg {
  ctl: string;
  event: string;
  rid?: string;
  bed?: string;
  to?: string;
  malformed?: string;
  text: string;
}

describe('ADT feed over MLLP keeps the board true', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let port: number;
  const seed = Number(process.env.ADT_SEED ?? Date.now() % 1_000_000);
  // One generator per case, from the seed and the case's label: under jest --randomize a case's messages
  // do not depend on which cases drew before it, so the seed in a failing case's name replays it alone.
  const rndOf = (label: string) => prng((seed ^ labelHash(label)) >>> 0);
  let wardSeq = 0;
  const firstPick = rndOf('first pick').int(4);

  beforeAll(async () => {
    e = await startEngine({ env: { HL7_MLLP_PORT: '0', HL7_MLLP_MAX_BYTES: '65536', HL7_MLLP_IDLE_MS: '1500' } });
    d = await smallDistrict(e, `adt${seed}`);
    port = e.api.get(MllpListener).address()!.port;
  });
  afterAll(async () => {
    await e?.close();
  });

  /** An institution picked at run time, with an API key for its interface engine and eight beds in two wards. */
  async function interfaceOf(pick: number, rnd: Rnd) {
    const cast = [
      { id: d.hospital, code: `H1-${d.district}`, c: d.planner, role: 'DISCHARGE_PLANNER', kind: 'HOSPITAL' },
      { id: d.cc1, code: `CC1-${d.district}`, c: d.cc1c, role: 'COMMUNITY_COORDINATOR', kind: 'COMMUNITY' },
      { id: d.cc2, code: `CC2-${d.district}`, c: d.cc2c, role: 'COMMUNITY_COORDINATOR', kind: 'COMMUNITY' },
      { id: d.care, code: `CH1-${d.district}`, c: d.carec, role: 'CARE_HOME_ADMISSIONS', kind: 'CARE_HOME' },
    ];
    const inst = cast[pick % cast.length];
    const key = (await ok(d.dc.post('/api-keys', { label: `HIS ${inst.code}`, role: inst.role, institutionId: inst.id }), 'api key')).key as string;
    const wards = [`W${++wardSeq}-${rnd.int(90) + 10}`, `W${++wardSeq}-${rnd.int(90) + 10}`];
    const beds: Record<string, string> = {};
    for (const w of wards)
      for (let i = 1; i <= 4; i++) {
        const label = `${w}-${i}`;
        beds[`${w}^^${label}`] = (await ok(inst.c.post('/beds', { institutionId: inst.id, kind: inst.kind, ward: w, label }), 'bed')).bedId;
      }
    return { ...inst, key, beds };
  }

  const msh = (facility: string, key: string, type: string, ctl: string) =>
    `MSH|^~\\&|HIS|${facility}|BEDLINK|${d.district}|20261130080000|${key}|${type}|${ctl}|P|2.5.1`;

  /** 500 messages of a ward's days: admissions, moves, discharges, cancellations, status reports; some broken, some late, some twice. */
  function feed(inst: { code: string; key: string; beds: Record<string, string> }, n: number, rnd: Rnd): Msg[] {
    const locs = Object.keys(inst.beds);
    const base = rnd.int(4_000_000) * 2;
    const rids = Array.from({ length: 14 }, (_, i) => residentId(base + i, rnd.next() < 0.5 ? 'F' : 'M'));
    const out: Msg[] = [];
    for (let i = 0; out.length < n; i++) {
      const ctl = `${seed}-${i}`;
      const r = rnd.next();
      const rid = rnd.pick(rids);
      // a bed of another ward, unknown to the engine, now and then
      const loc = rnd.next() < 0.04 ? `NOWHERE^^X-${rnd.int(9)}` : rnd.pick(locs);
      const pv1 = `PV1|1|I|${loc}`;
      const pid = `PID|1||${rid}^^^CN-RID^NNCHN~MRN${i}^^^HIS^MR||张^${i}||19480101|F`;
      const head = (ev: string) => msh(inst.code, inst.key, `ADT^${ev}^ADT_${ev}`, ctl);
      let m: Msg;
      if (r < 0.3) m = { ctl, event: 'A01', rid, bed: loc, text: [head('A01'), `EVN|A01|20261130`, pid, pv1].join('\r') };
      else if (r < 0.45) m = { ctl, event: 'A02', rid, bed: loc, text: [head('A02'), `EVN|A02|20261130`, pid, pv1].join('\r') };
      else if (r < 0.5) m = { ctl, event: 'A03', rid, bed: loc, text: [head('A03'), `EVN|A03|20261130`, pid, pv1].join('\r') };
      else if (r < 0.6) m = { ctl, event: 'A11', rid, bed: loc, text: [head('A11'), `EVN|A11|20261130`, pid, pv1].join('\r') };
      else if (r < 0.64) m = { ctl, event: 'A13', rid, bed: loc, text: [head('A13'), `EVN|A13|20261130`, pid, pv1].join('\r') };
      else if (r < 0.66) {
        // an update: with a location it moves the patient there, without one it changes nothing
        const moves = rnd.next() < 0.5;
        m = { ctl, event: 'A08', rid, ...(moves ? { bed: loc } : {}), text: [head('A08'), `EVN|A08|20261130`, pid, ...(moves ? [pv1] : [])].join('\r') };
      } else if (r < 0.86) {
        const to = rnd.next() < 0.05 ? 'Z' : rnd.pick(['U', 'C', 'I', 'K', 'H', 'O'] as const);
        // 'Z' is no 0116 code: understood and refused (AE)
        m = { ctl, event: 'A20', bed: loc, to, text: [head('A20'), `EVN|A20|20261130`, `NPU|${loc}|${to}`].join('\r') };
      } else if (r < 0.93) {
        // malformed: each kind answered AR, with the control id echoed
        const kind = rnd.int(4);
        const text = [
          [head('A01'), 'EVN|A01|20261130', pv1].join('\r'), // no PID
          [head('A01'), 'EVN|A01|20261130', 'PID|1||', pv1].join('\r'), // empty PID-3
          [head('A04'), 'EVN|A04|20261130', pid, pv1].join('\r'), // unsupported event
          [head('A02'), 'this is not a segment', pid, pv1].join('\r'), // garbage segment
        ][kind];
        m = { ctl, event: 'bad', malformed: ['no PID', 'empty PID-3', 'A04', 'garbage'][kind], text };
      } else {
        // a retransmission of an earlier message (same control id): answered as the first time, acts once
        const earlier = out;
        if (!earlier.length) continue;
        m = { ...rnd.pick(earlier) };
      }
      out.push(m);
    }
    // out of order: swap a few neighbours (the truth follows the order sent, as the engine must)
    for (let k = 0; k < 25; k++) {
      const i = rnd.int(out.length - 1);
      [out[i], out[i + 1]] = [out[i + 1], out[i]];
    }
    return out;
  }

  async function truthAndSend(inst: Awaited<ReturnType<typeof interfaceOf>>, msgs: Msg[]) {
    const ward = new Ward(Object.keys(inst.beds));
    const firstAnswer = new Map<string, Ack>();
    const hl7 = new Hl7Client({ host: '127.0.0.1', port, keepAlive: true });
    const mismatches: string[] = [];
    let bad = 0;
    try {
      for (const m of msgs) {
        const dup = firstAnswer.has(m.ctl);
        // Contaminating an occupied bed is the O→K case issue #16 settles elsewhere (occupant kept, or a
        // domain refusal): left out of this feed so the truth does not depend on that decision.
        if (!dup && m.event === 'A20' && m.to === 'K' && ward.status.get(m.bed!) === 'O') continue;
        const expected: Ack = dup ? firstAnswer.get(m.ctl)! : ward.apply(m);
        if (!dup) firstAnswer.set(m.ctl, expected);
        // no timeoutMs: @medplum/hl7 4.5.2 does not clear that timer when the ACK comes, so each one
        // would keep the process alive for its whole length; jest's own timeout bounds the wait
        const ack = await hl7.sendAndWait(Hl7Message.parse(m.text));
        const got = ack.getSegment('MSA')?.getField(1)?.toString();
        const echoed = ack.getSegment('MSA')?.getField(2)?.toString();
        if (got !== 'AA') bad++;
        if (got !== expected || echoed !== m.ctl)
          mismatches.push(
            `${m.ctl} ${m.event}${m.malformed ? `(${m.malformed})` : ''} ${m.bed ?? ''} ${m.to ?? ''}: expected ${expected}, got ${got} ${ack.getSegment('MSA')?.getField(3)?.toString() ?? ''}`,
          );
      }
    } finally {
      await hl7.close();
    }
    return { ward, mismatches, bad };
  }

  async function engineBeds(inst: Awaited<ReturnType<typeof interfaceOf>>) {
    const cipher = new PiiCipher(e.cfg.PII_KEY);
    const rows: Array<{ id: string; status: Status; hash: string | null }> = await e.ds.query(
      `SELECT b.id, b.status, p.resident_id_hash AS hash FROM beds b LEFT JOIN patients p ON p.id = b.occupant_patient_id WHERE b.institution_id = $1 AND b.kind = $2`,
      [inst.id, inst.kind],
    );
    return { rows, cipher };
  }

  it.each([0, 1])(
    `500 messages (A01/A02/A03/A08/A11/A13/A20, malformed, out of order, repeated) leave the board equal to the truth (seed ${seed}, variant %s)`,
    async (variant) => {
      const rnd = rndOf(`variant ${variant}`);
      // two different institutions (hospital, centre or care home), picked at run time
      const inst = await interfaceOf(variant === 0 ? firstPick : firstPick + 1 + rnd.int(3), rnd);
      const msgs = feed(inst, variant === 0 ? 500 : 150, rnd);
      const { ward, mismatches, bad } = await truthAndSend(inst, msgs);
      expect(mismatches).toEqual([]);
      expect(bad).toBeGreaterThan(20);

      // the beds table: status and occupant of every bed, as the truth has them
      const { rows, cipher } = await engineBeds(inst);
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const [loc, bedId] of Object.entries(inst.beds)) {
        const occupant = ward.occupant.get(loc);
        expect({ loc, status: byId.get(bedId)!.status, occupant: byId.get(bedId)!.hash }).toEqual({
          loc,
          status: ward.status.get(loc),
          occupant: occupant ? cipher.blindIndex(occupant) : null,
        });
      }
      // and the bed board the district sees, once the projection has caught up
      // the institution's other beds of that kind (the fixture's) count on the board as they are
      const feedBeds = new Set(Object.values(inst.beds));
      const others = rows.filter((r) => !feedBeds.has(r.id)).map((r) => r.status);
      const count = (s: Status) => [...ward.status.values(), ...others].filter((x) => x === s).length;
      const want = {
        total: 8 + others.length,
        free: count('U'),
        reserved: 0,
        occupied: count('O'),
        cleaning: count('H'),
        closed: count('C'),
        isolated: count('I'),
        contaminated: count('K'),
      };
      await eventually(
        async () =>
          (
            await e.ds.query(
              `SELECT total, free, reserved, occupied, cleaning, closed, isolated, contaminated FROM bed_board WHERE institution_id = $1 AND kind = $2`,
              [inst.id, inst.kind],
            )
          )[0],
        (row: Record<string, number>) => JSON.stringify(row) === JSON.stringify(want),
        30_000,
      );
      // every change went through a command: each occupied bed's admission is in the audit trail
      const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE event_type = 'BedStatusChanged' AND payload->>'institutionId' = $1`, [
        inst.id,
      ]);
      expect(n).toBeGreaterThan(0);
    },
  );

  describe('trying to break it', () => {
    /**
     * Each attack has an interface engine of its own (institution picked at run time, a new key, eight
     * new beds) and its own generator: the status one case leaves on a bed is never one another assumes.
     */
    const attacker = async (label: string) => {
      const rnd = rndOf(label);
      return { rnd, inst: await interfaceOf(rnd.int(4), rnd) };
    };

    const send = async (text: string) => {
      const hl7 = new Hl7Client({ host: '127.0.0.1', port });
      try {
        const ack = await hl7.sendAndWait(Hl7Message.parse(text));
        return {
          code: ack.getSegment('MSA')?.getField(1)?.toString(),
          text: ack.getSegment('MSA')?.getField(3)?.toString() ?? '',
          ctl: ack.getSegment('MSA')?.getField(2)?.toString(),
        };
      } finally {
        await hl7.close();
      }
    };
    /** Raw bytes on a fresh socket: what comes back before the server closes it. */
    const raw = (bytes: Buffer, waitMs = 10_000) =>
      new Promise<{ reply: string; closed: boolean }>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        let reply = '';
        const timer = setTimeout(() => {
          s.destroy();
          resolve({ reply, closed: false });
        }, waitMs);
        s.on('data', (b) => (reply += b.toString('utf8')));
        s.on('close', () => {
          clearTimeout(timer);
          resolve({ reply, closed: true });
        });
        s.on('error', () => undefined);
        s.write(bytes);
      });
    const framed = (t: string) => Buffer.concat([Buffer.from([0x0b]), Buffer.from(t, 'utf8'), Buffer.from([0x1c, 0x0d])]);
    const bedsNow = async () => JSON.stringify(await e.ds.query(`SELECT id, status, version FROM beds ORDER BY id`));

    it("another district's bed: unknown here, by location or by id, and nothing changes", async () => {
      const { inst, rnd } = await attacker('far');
      const other = await smallDistrict(e, `far${seed}`);
      const farWard = `FAR-${seed}`;
      await ok(other.planner.post('/beds', { institutionId: other.hospital, kind: 'HOSPITAL', ward: farWard, label: '1' }), 'far bed');
      const before = await bedsNow();
      const rid = residentId(rnd.int(4_000_000) * 2 + 1);
      const byLoc = await send([msh(inst.code, inst.key, 'ADT^A01', 'X-FAR-1'), `PID|1||${rid}||李^四`, `PV1|1|I|${farWard}^^1`].join('\r'));
      const byId = await send([msh(inst.code, inst.key, 'ADT^A20', 'X-FAR-2'), `NPU|${other.hospitalBeds[0]}|C`].join('\r'));
      expect([byLoc.code, byId.code]).toEqual(['AE', 'AE']);
      expect(byId.text).toMatch(/unknown bed/);
      expect(await bedsNow()).toBe(before);
    });

    it('a forged sending facility (another institution in MSH-4) is refused, and so is a message without a key', async () => {
      const { inst } = await attacker('forged');
      const before = await bedsNow();
      const loc = Object.keys(inst.beds)[0];
      const neighbour = ['H1', 'CC1', 'CC2', 'CH1'].map((c) => `${c}-${d.district}`).find((c) => c !== inst.code)!;
      const forged = await send([msh(neighbour, inst.key, 'ADT^A20', 'X-FORGE-1'), `NPU|${loc}|C`].join('\r'));
      expect(forged).toMatchObject({ code: 'AR', ctl: 'X-FORGE-1' });
      expect(forged.text).toMatch(/another institution/);
      const unknown = await send([msh('SOME-HIS', inst.key, 'ADT^A20', 'X-FORGE-2'), `NPU|${loc}|C`].join('\r'));
      expect(unknown).toMatchObject({ code: 'AR' });
      const keyless = await send([msh(inst.code, '', 'ADT^A20', 'X-FORGE-3'), `NPU|${loc}|C`].join('\r'));
      expect(keyless).toMatchObject({ code: 'AR', ctl: 'X-FORGE-3' });
      const guessed = await send([msh(inst.code, 'blk_aaaaaaaaaaaa_' + 'A'.repeat(43), 'ADT^A20', 'X-FORGE-4'), `NPU|${loc}|C`].join('\r'));
      expect(guessed).toMatchObject({ code: 'AR' });
      expect(await bedsNow()).toBe(before);
    });

    it('a duplicate control id acts once and answers as the first time; reused with another body it is refused', async () => {
      const { inst } = await attacker('duplicate');
      const loc = Object.keys(inst.beds)[1];
      const text = [msh(inst.code, inst.key, 'ADT^A20', `X-DUP-${seed}`), `NPU|${loc}|C`].join('\r');
      const [a, b] = await Promise.all([send(text), send(text)]);
      expect([a.code, b.code]).toEqual(['AA', 'AA']);
      const third = await send(text);
      expect(third.code).toBe('AA');
      const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE aggregate_id = $1 AND event_type = 'BedStatusChanged'`, [
        inst.beds[loc],
      ]);
      expect(n).toBe(1);
      const other = await send([msh(inst.code, inst.key, 'ADT^A20', `X-DUP-${seed}`), `NPU|${loc}|K`].join('\r'));
      expect(other.code).toBe('AE');
      expect(other.text).toMatch(/IDEMPOTENCY_KEY_REUSED/);
    });

    it('a huge frame is refused with AR and the connection closed, and the listener still serves', async () => {
      const { inst } = await attacker('huge');
      const huge = framed([msh(inst.code, inst.key, 'ADT^A01', 'X-HUGE'), `NTE|1||${'x'.repeat(200_000)}`].join('\r'));
      const r = await raw(huge);
      expect(r.closed).toBe(true);
      expect(r.reply).toMatch(/MSA\|AR\|/);
      expect(r.reply).toMatch(/exceeds 65536 bytes/);
      expect((await send([msh(inst.code, inst.key, 'ADT^A08', 'X-AFTER-HUGE'), `PID|1||${residentId(3)}`].join('\r'))).code).toBe('AA');
    });

    it('a binary frame, or bytes outside a frame, get AR and a closed connection; nothing changes', async () => {
      const rnd = rndOf('binary');
      const before = await bedsNow();
      const junk = Buffer.from(Array.from({ length: 512 }, () => rnd.int(256)));
      const inFrame = await raw(Buffer.concat([Buffer.from([0x0b]), junk, Buffer.from([0x1c, 0x0d])]));
      expect(inFrame).toMatchObject({ closed: true });
      expect(inFrame.reply).toMatch(/MSA\|AR\|/);
      const unframed = await raw(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n\r\n')]));
      expect(unframed.closed).toBe(true);
      expect(unframed.reply).toMatch(/MSA\|AR\|.*starts with VT/);
      expect(await bedsNow()).toBe(before);
    });

    it('a connection that never finishes its frame is closed after the idle time, and nothing changes', async () => {
      const { inst } = await attacker('half');
      const before = await bedsNow();
      const half = framed([msh(inst.code, inst.key, 'ADT^A20', 'X-HALF'), `NPU|${Object.keys(inst.beds)[2]}|C`].join('\r')).subarray(0, 60);
      const r = await raw(half, 20_000);
      expect(r).toEqual({ reply: '', closed: true });
      expect(await bedsNow()).toBe(before);
    });

    it('the same messages over HTTP get the same answers (one service, two transports)', async () => {
      const { inst } = await attacker('http');
      const http = client(e.baseUrl, e.token(inst.role as never, inst.id, { districtId: d.district }));
      const res = await http.raw('POST', '/hl7/v2', [msh(inst.code, '', 'ADT^A20', 'X-HTTP-1'), `NPU|NOWHERE^^1|C`].join('\r'), {
        'content-type': 'x-application/hl7-v2+er7',
      });
      expect(String(res.body)).toMatch(/MSA\|AE\|X-HTTP-1\|unknown bed/);
    });
  });
});
