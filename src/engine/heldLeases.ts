// The leases this replica holds, and the one question a renewal must answer right: is a lease it could
// not extend really lost? A pass saves its result and releases its lease in one transaction. A renewal
// that read the held set before that commit and ran after it finds the lease ownerless, though nothing
// was lost: that was the false "lease lost" warning (issue 12.10, 406 of them under load, 9–900 ms after
// the pass finished). So a renewal remembers which claim it renewed, and only a claim that is still
// held, the same claim, and not releasing its lease itself, counts as lost.

interface Held { claim: number; releasing: boolean }

export interface Renewal {
  /** The projects whose leases to extend. */
  ids: string[];
  /** Of the ids the renewal could not extend, those another replica really took. */
  lost(notRenewed: Iterable<string>): string[];
}

export class HeldLeases {
  private readonly held = new Map<string, Held>();
  private claims = 0;

  get size(): number { return this.held.size; }
  has(projectId: string): boolean { return this.held.has(projectId); }

  /** A new claim of the project: whatever a renewal knew of an earlier one no longer applies to it. */
  hold(projectId: string): void { this.held.set(projectId, { claim: ++this.claims, releasing: false }); }

  /** The pass is saving its result, which releases the lease: a renewal finding it gone is expected. */
  releasing(projectId: string): void {
    const h = this.held.get(projectId);
    if (h) h.releasing = true;
  }

  drop(projectId: string): void { this.held.delete(projectId); }

  renewal(): Renewal {
    const seen = new Map([...this.held].map(([id, h]) => [id, h.claim]));
    return {
      ids: [...seen.keys()],
      lost: (notRenewed) => [...notRenewed].filter((id) => {
        const now = this.held.get(id);
        return now !== undefined && now.claim === seen.get(id) && !now.releasing;
      }),
    };
  }
}
