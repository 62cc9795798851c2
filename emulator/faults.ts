import { invalidArgument } from './errors';
import type { ActiveFault, ApiFault, DeliveryFault, DeliveryFaultMatch, SigningScheme } from './types';

export interface DeliveryFacts {
  eventType: string;
  uri: string;
  scheme: SigningScheme;
  resourceId: string;
}

export interface CallFacts {
  sdkMethod: string;
  method: string;
  path: string;
}

const deliveryFaultKinds = new Set<DeliveryFault['kind']>([
  'drop',
  'duplicate',
  'delay',
  'reorder',
  'stale_timestamp',
  'fail',
]);

/** Deterministic faults: each applies to the next `count` matching deliveries, attempts or calls, then is used up. */
export class FaultBook {
  private faults: ActiveFault[] = [];
  private seq = 0;

  addDeliveryFault(fault: DeliveryFault): ActiveFault {
    if (!fault || !deliveryFaultKinds.has(fault.kind)) {
      throw invalidArgument(`delivery fault kind must be one of ${[...deliveryFaultKinds].join(', ')}`);
    }
    if (fault.kind === 'delay' && !(fault.delayMs >= 0)) throw invalidArgument('a delay fault needs delayMs >= 0');
    if (fault.kind === 'reorder' && !(fault.count >= 2)) throw invalidArgument('a reorder fault needs count >= 2');
    return this.add('delivery', fault, fault.count ?? 1);
  }

  addApiFault(fault: ApiFault): ActiveFault {
    if (!fault || !(fault.status >= 400 && fault.status <= 599)) {
      throw invalidArgument('an API fault needs an HTTP error status (400-599)');
    }
    return this.add('api', fault, fault.count ?? 1);
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }

  /** Consumes one use of the first delivery fault of `kind` matching `facts`. */
  takeDeliveryFault<K extends DeliveryFault['kind']>(
    kind: K,
    facts: DeliveryFacts,
  ): Extract<DeliveryFault, { kind: K }> | undefined {
    const found = this.peekDeliveryFault(kind, facts);
    if (!found) return undefined;
    this.use(found);
    return found.fault as Extract<DeliveryFault, { kind: K }>;
  }

  /** The first delivery fault of `kind` matching `facts`, not consumed (a reorder is used once per held delivery). */
  peekDeliveryFault(kind: DeliveryFault['kind'], facts: DeliveryFacts): ActiveFault | undefined {
    return this.faults.find(
      (f) =>
        f.kind === 'delivery' &&
        (f.fault as DeliveryFault).kind === kind &&
        matches((f.fault as DeliveryFault).match, facts),
    );
  }

  use(found: ActiveFault): void {
    found.remaining -= 1;
    if (found.remaining <= 0) this.faults = this.faults.filter((f) => f !== found);
  }

  takeApiFault(call: CallFacts): ApiFault | undefined {
    const found = this.faults.find((f) => {
      if (f.kind !== 'api') return false;
      const a = f.fault as ApiFault;
      return (
        (!a.sdkMethod || a.sdkMethod === call.sdkMethod) &&
        (!a.method || a.method.toUpperCase() === call.method) &&
        (!a.pathIncludes || call.path.includes(a.pathIncludes))
      );
    });
    if (!found) return undefined;
    this.use(found);
    return found.fault as ApiFault;
  }

  private add(kind: ActiveFault['kind'], fault: DeliveryFault | ApiFault, count: number): ActiveFault {
    if (!(Number.isInteger(count) && count >= 1)) throw invalidArgument('a fault count must be a positive integer');
    const active: ActiveFault = { id: `fault-${++this.seq}`, kind, remaining: count, fault };
    this.faults.push(active);
    return { ...active };
  }
}

function matches(match: DeliveryFaultMatch | undefined, facts: DeliveryFacts): boolean {
  if (!match) return true;
  return (
    (!match.eventType || match.eventType === facts.eventType) &&
    (!match.uri || match.uri === facts.uri) &&
    (!match.scheme || match.scheme === facts.scheme) &&
    (!match.resourceId || match.resourceId === facts.resourceId)
  );
}
