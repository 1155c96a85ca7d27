/**
 * Six bed kinds in the five official categories of 五床联动 (Jing'an's list):
 * the medical three (医疗病床, 家庭病床, 安宁疗护病床) and the care two (养老机构床位, 家庭养老床位).
 */
export const BED_KINDS = ['HOSPITAL', 'COMMUNITY', 'HOSPICE', 'HOME_SICKBED', 'CARE_HOME', 'HOME_CARE'] as const;
export type BedKind = (typeof BED_KINDS)[number];

export const BED_CATEGORIES = ['MEDICAL', 'HOSPICE', 'HOME_SICKBED', 'CARE_HOME', 'HOME_CARE'] as const;
export type BedCategory = (typeof BED_CATEGORIES)[number];

export const BED_CATEGORY_OF: Readonly<Record<BedKind, BedCategory>> = {
  HOSPITAL: 'MEDICAL',
  COMMUNITY: 'MEDICAL',
  HOSPICE: 'HOSPICE',
  HOME_SICKBED: 'HOME_SICKBED',
  CARE_HOME: 'CARE_HOME',
  HOME_CARE: 'HOME_CARE',
};

export const MEDICAL_BED_KINDS: readonly BedKind[] = ['HOSPITAL', 'COMMUNITY', 'HOSPICE', 'HOME_SICKBED'];
export const CARE_BED_KINDS: readonly BedKind[] = ['CARE_HOME', 'HOME_CARE'];

/** Physical beds have an identity and a ward; home beds are capacity slots of a provider programme. */
export const PHYSICAL_BED_KINDS: readonly BedKind[] = ['HOSPITAL', 'COMMUNITY', 'HOSPICE', 'CARE_HOME'];
export const HOME_BED_KINDS: readonly BedKind[] = ['HOME_SICKBED', 'HOME_CARE'];
export const isPhysical = (k: BedKind): boolean => PHYSICAL_BED_KINDS.includes(k);

export const INSTITUTION_TYPES = ['REGIONAL_MEDICAL_CENTRE', 'COMMUNITY_HEALTH_CENTRE', 'ELDERLY_CARE_INSTITUTION'] as const;
export type InstitutionType = (typeof INSTITUTION_TYPES)[number];

/** Which institution type may hold which bed kind. */
export const KINDS_BY_INSTITUTION_TYPE: Readonly<Record<InstitutionType, readonly BedKind[]>> = {
  REGIONAL_MEDICAL_CENTRE: ['HOSPITAL', 'HOSPICE'],
  COMMUNITY_HEALTH_CENTRE: ['COMMUNITY', 'HOSPICE', 'HOME_SICKBED'],
  ELDERLY_CARE_INSTITUTION: ['CARE_HOME', 'HOME_CARE'],
};

/** Where a patient is when the institution refers without naming a bed. */
export const DEFAULT_ORIGIN_KIND: Readonly<Record<InstitutionType, BedKind>> = {
  REGIONAL_MEDICAL_CENTRE: 'HOSPITAL',
  COMMUNITY_HEALTH_CENTRE: 'COMMUNITY',
  ELDERLY_CARE_INSTITUTION: 'CARE_HOME',
};

export const DIRECTIONS = ['DOWNWARD', 'UPWARD', 'LATERAL'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** 上转 / 下转 / 平转 follow from the bed kinds alone (DOMAIN.md): hospital is "up". */
export function directionOf(from: BedKind, to: BedKind): Direction {
  if (from === 'HOSPITAL' && to !== 'HOSPITAL') return 'DOWNWARD';
  if (from !== 'HOSPITAL' && to === 'HOSPITAL') return 'UPWARD';
  return 'LATERAL';
}

export const SERVICES = ['REHAB', 'HOSPICE', 'NURSING', 'DEMENTIA', 'OXYGEN', 'DIALYSIS', 'ISOLATION', 'ACUTE', 'SURGERY', 'ICU'] as const;
export type ServiceCode = (typeof SERVICES)[number];

export const SEXES = ['F', 'M'] as const;
export type Sex = (typeof SEXES)[number];
