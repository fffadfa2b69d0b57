import { isStuck } from '../../../stacks/pulumi/crd-establishment';

const crd = (...conditions: { type: string; status: string; reason?: string }[]) => ({ metadata: { name: 'widgets.example.com' }, status: { conditions } });

describe('isStuck', () => {
  test('is true for names accepted and Established=False, Installing', () => {
    expect(isStuck(crd({ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'False', reason: 'Installing' }))).toBe(true);
  });
  test('is false for an Established CRD, one whose names are not accepted, and one without status', () => {
    expect(isStuck(crd({ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'True' }))).toBe(false);
    expect(isStuck(crd({ type: 'NamesAccepted', status: 'False' }, { type: 'Established', status: 'False', reason: 'NotAccepted' }))).toBe(false);
    expect(isStuck({ metadata: { name: 'widgets.example.com' } })).toBe(false);
  });
});
