/**
 * withDeadline, both ways of bounding an upstream exchange: a signal linked to the caller's, or (with the caller's own
 * cancellation) the caller's signal itself, fired by the deadline. Either way the exchange sees its signal abort on a
 * timeout or a cancellation, the error says which came first, and the upstream is told (onAbandon) the same.
 */
import { UpstreamTimeoutError } from './errors';
import { withDeadline } from './messages';

/** An exchange that never answers: it rejects when its signal aborts (as http-exchange does). */
function hanging(seen: AbortSignal[]): (signal: AbortSignal) => Promise<never> {
  return (signal) => {
    seen.push(signal);
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
  };
}

describe.each([
  ['a linked signal', false],
  ['the caller signal, fired by the deadline', true],
])('withDeadline with %s', (_label, ownCancellation) => {
  const cancelOf = (ac: AbortController) => (ownCancellation ? () => ac.abort() : undefined);

  test('a timeout aborts the exchange; UpstreamTimeoutError, and the upstream is told "timeout"', async () => {
    const ac = new AbortController();
    const seen: AbortSignal[] = [];
    const abandoned: string[] = [];
    await expect(withDeadline(30, ac.signal, hanging(seen), (r) => abandoned.push(r), cancelOf(ac))).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(seen[0].aborted).toBe(true);
    expect(abandoned).toEqual(['timeout']);
    expect(seen[0] === ac.signal).toBe(ownCancellation);
  });

  test('the caller cancels first: a cancellation error, "cancelled", and the deadline passing later changes nothing', async () => {
    const ac = new AbortController();
    const seen: AbortSignal[] = [];
    const abandoned: string[] = [];
    const call = withDeadline(40, ac.signal, hanging(seen), (r) => abandoned.push(r), cancelOf(ac));
    ac.abort();
    await expect(call).rejects.toMatchObject({ errorClass: 'cancelled', message: 'Request cancelled' });
    await new Promise((r) => setTimeout(r, 80));
    expect(abandoned).toEqual(['cancelled']);
  });

  test('a caller already cancelled: the exchange starts aborted and ends as cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    const seen: AbortSignal[] = [];
    await expect(withDeadline(1_000, ac.signal, (s) => (seen.push(s), s.aborted ? Promise.reject(new Error('aborted')) : Promise.resolve(1)), undefined, cancelOf(ac))).rejects.toMatchObject({ errorClass: 'cancelled' });
    expect(seen[0].aborted).toBe(true);
  });

  test('an answer in time: its value, nothing aborted, no timer left behind', async () => {
    const ac = new AbortController();
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await expect(withDeadline(60_000, ac.signal, async () => 'answer', undefined, cancelOf(ac))).resolves.toBe('answer');
    expect(ac.signal.aborted).toBe(false);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });

  test("an exchange's own failure passes through unchanged when nothing aborted", async () => {
    const ac = new AbortController();
    const failure = new Error('connection refused');
    await expect(withDeadline(1_000, ac.signal, () => Promise.reject(failure), undefined, cancelOf(ac))).rejects.toBe(failure);
    expect(ac.signal.aborted).toBe(false);
  });
});
