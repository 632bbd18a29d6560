/**
 * Production methods of DESIGN §1 with their category. The wire carries the numeric code;
 * codes are stable forever (append only). 0 means "no production method" (consumer meters).
 */

export const EnergyCategory = Object.freeze({ RENEWABLE: 'renewable', FOSSIL: 'fossil', NUCLEAR: 'nuclear' } as const);
export type EnergyCategory = (typeof EnergyCategory)[keyof typeof EnergyCategory];

export interface ProductionMethodInfo {
  readonly code: number;
  readonly name: string;
  readonly category: EnergyCategory;
}

const table = [
  { code: 1, name: 'solar', category: EnergyCategory.RENEWABLE },
  { code: 2, name: 'wind', category: EnergyCategory.RENEWABLE },
  { code: 3, name: 'hydro', category: EnergyCategory.RENEWABLE },
  { code: 4, name: 'biomass', category: EnergyCategory.RENEWABLE },
  { code: 5, name: 'geothermal', category: EnergyCategory.RENEWABLE },
  { code: 6, name: 'solar-thermal', category: EnergyCategory.RENEWABLE },
  { code: 7, name: 'ambient-heat', category: EnergyCategory.RENEWABLE },
  { code: 8, name: 'nuclear', category: EnergyCategory.NUCLEAR },
  { code: 9, name: 'oil', category: EnergyCategory.FOSSIL },
  { code: 10, name: 'coal', category: EnergyCategory.FOSSIL },
  { code: 11, name: 'lng', category: EnergyCategory.FOSSIL },
] as const;

export type ProductionMethodName = (typeof table)[number]['name'];

export const NO_PRODUCTION_METHOD = 0;

export const PRODUCTION_METHODS: ReadonlyArray<ProductionMethodInfo> = Object.freeze(table.map((m) => Object.freeze({ ...m })));

const byCode = new Map<number, ProductionMethodInfo>(PRODUCTION_METHODS.map((m) => [m.code, m]));
const byName = new Map<string, ProductionMethodInfo>(PRODUCTION_METHODS.map((m) => [m.name, m]));

export function productionMethodByCode(code: number): ProductionMethodInfo | undefined {
  return byCode.get(code);
}

export function productionMethodByName(name: string): ProductionMethodInfo | undefined {
  return byName.get(name);
}

export function isRenewable(code: number): boolean {
  return byCode.get(code)?.category === EnergyCategory.RENEWABLE;
}
