/** Plain message tables: zh-CN first, English second. Keys missing in English fall back to Chinese. */
export type Lang = 'zh-CN' | 'en';

const zh = {
  app: '五床联动 · 转介与床位协同',
  lang: 'English',
  langLabel: '切换语言',
  login: '登录',
  logout: '退出',
  tokenLabel: '访问令牌（演示种子为每个角色打印一个）',
  tokenHelp: '粘贴令牌后登录；令牌仅保存在本标签页。',
  badToken: '令牌无法解析',
  live: '实时',
  offline: '实时连接中断，正在重连…',
  loading: '加载中…',
  empty: '暂无数据',
  refresh: '刷新',
  close: '关闭',
  cancel: '取消',
  submit: '提交',
  reason: '原因',
  actions: '操作',
  state: '状态',
  created: '创建时间',
  nav: { board: '床位看板', outbox: '转出', inbox: '接收', escalations: '升级处理', journey: '患者轨迹', audit: '审计' },
  role: { DISCHARGE_PLANNER: '出院计划员', COMMUNITY_COORDINATOR: '社区协调员', CARE_HOME_ADMISSIONS: '养老机构入住', DISTRICT_COORDINATOR: '区级协调员', AUDITOR: '审计员' },
  category: { MEDICAL: '医疗床位', HOSPICE: '安宁疗护', HOME_SICKBED: '家庭病床', CARE_HOME: '养老床位', HOME_CARE: '家庭养老床位' },
  kind: { HOSPITAL: '医院病床', COMMUNITY: '社区病床', HOSPICE: '安宁疗护病床', HOME_SICKBED: '家庭病床', CARE_HOME: '养老机构床位', HOME_CARE: '家庭养老床位' },
  bedStatus: { free: '空闲', reserved: '预留', occupied: '占用', cleaning: '清洁', closed: '关闭', U: '空闲', O: '占用', H: '清洁', C: '关闭', I: '隔离', K: '污染' },
  service: { REHAB: '康复', HOSPICE: '安宁', NURSING: '护理', DEMENTIA: '认知症', OXYGEN: '吸氧', DIALYSIS: '透析', ISOLATION: '隔离', ACUTE: '急性', SURGERY: '外科', ICU: '重症' },
  urgency: { EMERGENCY: '紧急', URGENT: '加急', ROUTINE: '常规' },
  strategy: { BROADCAST: '同时发送', CASCADE: '逐一发送' },
  referralState: { DRAFT: '草稿', SUBMITTED: '已提交', OFFERED: '已发出', ACCEPTED: '已接收', ESCALATED: '已升级', IN_TRANSFER: '转运中', COMPLETED: '已完成', FAILED: '失败', CANCELLED: '已取消', REJECTED: '已关闭' },
  offerState: { PENDING: '待处理', VIEWED: '已查看', ACCEPTED: '已接收', DECLINED: '已拒绝', EXPIRED: '已超时', WITHDRAWN: '已撤回', REVOKED: '已退回' },
  decline: {
    NO_CAPACITY: '无床位', CLINICAL_EXCEEDS_CAPABILITY: '病情超出能力', LEVEL_OF_CARE_MISMATCH: '护理等级不符', CARE_GRADE_INELIGIBLE: '照护等级不符', OUT_OF_SERVICE_AREA: '超出服务范围',
    STAFFING: '人手不足', EQUIPMENT_OR_MEDICATION_UNAVAILABLE: '设备或药品不足', ISOLATION_NOT_MANAGEABLE: '无法隔离', SAFETY_CONCERN: '安全顾虑', INCOMPLETE_INFORMATION: '资料不全',
    PATIENT_OR_FAMILY_DECLINED: '患者或家属拒绝', OTHER: '其他',
  },
  board: {
    title: '床位看板', institution: '机构', filterService: '按服务筛选', filterDistrict: '按区筛选', all: '全部', wards: '病区床位', programmes: '居家项目', noProgrammes: '该机构暂无居家项目（或服务器未提供此功能）',
    drill: '查看床位', back: '返回看板', ward: '病区', bed: '床号', total: '总数',
  },
  outbox: {
    title: '转出转介', newReferral: '新建转介', patient: '患者', patientId: '患者编号', registerPatient: '登记新患者', residentId: '身份证号（18位）', name: '姓名', phone: '电话', sex: '性别', sexF: '女', sexM: '男',
    registered: '已登记患者', requestedKind: '目标床位类型', services: '所需服务', urgency: '紧急程度', strategy: '发送方式', summary: '病情摘要', careLevel: '照护等级（0–6）', consent: '患者或监护人已同意转介',
    targets: '接收机构', candidates: '推荐机构（按匹配度排序）', create: '创建并发出', created: '转介已发出', list: '我的转介', deadline: '剩余时间', expired: '已超时',
    cancel: '取消转介', startTransfer: '开始转运', cancelReason: '取消原因', noTargets: '请至少选择一个接收机构', target: '接收方', offers: '发送记录', detail: '详情', audit: '审计',
  },
  inbox: {
    title: '待处理转介', pending: '待我方处理', timeLeft: '剩余时间', open: '查看', accept: '接收', decline: '拒绝', pickBed: '选择空闲床位', declineReason: '拒绝原因', declineText: '说明（原因为“其他”时必填）',
    noBeds: '我方暂无空闲床位', incoming: '待入住', confirm: '确认入住', summary: '病情摘要', careLevel: '照护等级', services: '所需服务', from: '来自', accepted: '已接收', declined: '已拒绝', newArrived: '新的转介已到达',
  },
  esc: { title: '升级处理', reroute: '改派', close: '关闭转介', targets: '改派至', none: '暂无升级转介' },
  journey: { title: '患者轨迹', patientId: '患者编号', load: '查看', derived: '根据转介记录生成', none: '暂无记录' },
  audit: {
    title: '审计追踪', referralId: '转介编号', load: '查看', verify: '校验哈希链', ok: '校验通过：记录完整', broken: '校验失败', seq: '序号', event: '事件', actor: '操作人', time: '时间', hash: '哈希', records: '条记录',
  },
  event: {
    ReferralDrafted: '起草转介', ReferralSubmitted: '提交转介', OfferExtended: '发出邀请', OfferViewed: '对方已查看', OfferAccepted: '对方接收', OfferDeclined: '对方拒绝', OfferExpired: '邀请超时', OfferWithdrawn: '撤回邀请',
    OfferRevoked: '退回接收', ReferralEscalated: '升级至区级', ReferralRerouted: '区级改派', ReferralRejected: '区级关闭', BedReserved: '预留床位', ReservationExpired: '预留到期', ReservationReleased: '释放预留',
    ReservationConsumed: '预留已使用', TransferStarted: '开始转运', PatientAdmitted: '患者入住', ReferralCompleted: '转介完成', ReferralCancelled: '取消转介', ReferralFailed: '转介失败', PlacementRequested: '申请安置', PlacementConfirmed: '安置确认',
  },
  errors: {
    VALIDATION_FAILED: '输入有误', INVALID_RESIDENT_ID: '身份证号无效', UNAUTHENTICATED: '未登录或令牌已过期', FORBIDDEN: '无权执行此操作', DIRECTION_NOT_ALLOWED: '不允许此转介方向', NOT_FOUND: '未找到',
    REFERRAL_NOT_FOUND: '转介不存在', OFFER_NOT_FOUND: '发送记录不存在', BED_NOT_FOUND: '床位不存在', INSTITUTION_NOT_FOUND: '机构不存在', PATIENT_NOT_FOUND: '患者不存在', COMMAND_NOT_FOUND: '指令不存在',
    INVALID_TRANSITION: '当前状态不允许此操作', VERSION_CONFLICT: '数据已被他人修改，请刷新', BED_ALREADY_RESERVED: '床位已被预留', BED_NOT_AVAILABLE: '床位不可用', BED_KIND_MISMATCH: '床位类型不符',
    BED_NOT_AT_TARGET: '床位不属于接收机构', PROGRAMME_FULL: '居家项目已满', PATIENT_HAS_LIVE_REFERRAL: '该患者已有进行中的转介', PATIENT_ALREADY_REGISTERED: '患者已登记', OFFER_ALREADY_EXTENDED: '已向该机构发出',
    CONSENT_REQUIRED: '需要患者同意', DECLINE_TEXT_REQUIRED: '请填写说明', CARE_GRADE_MISSING: '缺少照护等级评估', CARE_GRADE_EXPIRED: '照护等级评估已过期', CARE_GRADE_INELIGIBLE: '照护等级不符合',
    IDEMPOTENCY_KEY_REUSED: '重复提交', DATABASE_UNAVAILABLE: '数据库暂不可用', QUEUE_UNAVAILABLE: '队列暂不可用', COMMAND_FAILED: '操作失败', RATE_LIMITED: '请求过于频繁', PAYLOAD_TOO_LARGE: '内容过大',
    NETWORK: '网络错误', UNKNOWN: '未知错误',
  },
};

type Messages = typeof zh;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

const en: DeepPartial<Messages> = {
  app: 'Bedlink · referral and bed linkage',
  lang: '中文',
  langLabel: 'Switch language',
  login: 'Log in', logout: 'Log out',
  tokenLabel: 'Access token (the demo seed prints one per role)', tokenHelp: 'Paste a token to log in; it is kept in this tab only.', badToken: 'The token cannot be read',
  live: 'Live', offline: 'Live connection lost, reconnecting…', loading: 'Loading…', empty: 'Nothing here yet', refresh: 'Refresh', close: 'Close', cancel: 'Cancel', submit: 'Submit', reason: 'Reason', actions: 'Actions', state: 'State', created: 'Created',
  nav: { board: 'Bed board', outbox: 'Referrals out', inbox: 'Inbox', escalations: 'Escalations', journey: 'Patient journey', audit: 'Audit' },
  role: { DISCHARGE_PLANNER: 'Discharge planner', COMMUNITY_COORDINATOR: 'Community coordinator', CARE_HOME_ADMISSIONS: 'Care-home admissions', DISTRICT_COORDINATOR: 'District coordinator', AUDITOR: 'Auditor' },
  category: { MEDICAL: 'Medical', HOSPICE: 'Hospice', HOME_SICKBED: 'Home sickbed', CARE_HOME: 'Care home', HOME_CARE: 'Home care' },
  kind: { HOSPITAL: 'Hospital', COMMUNITY: 'Community', HOSPICE: 'Hospice', HOME_SICKBED: 'Home sickbed', CARE_HOME: 'Care home', HOME_CARE: 'Home care' },
  bedStatus: { free: 'Free', reserved: 'Reserved', occupied: 'Occupied', cleaning: 'Cleaning', closed: 'Closed', U: 'Free', O: 'Occupied', H: 'Cleaning', C: 'Closed', I: 'Isolated', K: 'Contaminated' },
  service: { REHAB: 'Rehab', HOSPICE: 'Hospice', NURSING: 'Nursing', DEMENTIA: 'Dementia', OXYGEN: 'Oxygen', DIALYSIS: 'Dialysis', ISOLATION: 'Isolation', ACUTE: 'Acute', SURGERY: 'Surgery', ICU: 'ICU' },
  urgency: { EMERGENCY: 'Emergency', URGENT: 'Urgent', ROUTINE: 'Routine' },
  strategy: { BROADCAST: 'Broadcast', CASCADE: 'Cascade' },
  referralState: { DRAFT: 'Draft', SUBMITTED: 'Submitted', OFFERED: 'Offered', ACCEPTED: 'Accepted', ESCALATED: 'Escalated', IN_TRANSFER: 'In transfer', COMPLETED: 'Completed', FAILED: 'Failed', CANCELLED: 'Cancelled', REJECTED: 'Closed' },
  offerState: { PENDING: 'Pending', VIEWED: 'Viewed', ACCEPTED: 'Accepted', DECLINED: 'Declined', EXPIRED: 'Expired', WITHDRAWN: 'Withdrawn', REVOKED: 'Revoked' },
  decline: {
    NO_CAPACITY: 'No capacity', CLINICAL_EXCEEDS_CAPABILITY: 'Clinical needs exceed capability', LEVEL_OF_CARE_MISMATCH: 'Level of care mismatch', CARE_GRADE_INELIGIBLE: 'Care grade ineligible', OUT_OF_SERVICE_AREA: 'Out of service area',
    STAFFING: 'Staffing', EQUIPMENT_OR_MEDICATION_UNAVAILABLE: 'Equipment or medication unavailable', ISOLATION_NOT_MANAGEABLE: 'Isolation not manageable', SAFETY_CONCERN: 'Safety concern', INCOMPLETE_INFORMATION: 'Incomplete information',
    PATIENT_OR_FAMILY_DECLINED: 'Patient or family declined', OTHER: 'Other',
  },
  board: { title: 'Bed board', institution: 'Institution', filterService: 'Filter by service', filterDistrict: 'Filter by district', all: 'All', wards: 'Wards and beds', programmes: 'Home programmes', noProgrammes: 'No home programmes (or the server does not offer them)', drill: 'Beds', back: 'Back to the board', ward: 'Ward', bed: 'Bed', total: 'Total' },
  outbox: {
    title: 'Referrals out', newReferral: 'New referral', patient: 'Patient', patientId: 'Patient id', registerPatient: 'Register a new patient', residentId: 'Resident ID (18 characters)', name: 'Name', phone: 'Phone', sex: 'Sex', sexF: 'Female', sexM: 'Male',
    registered: 'Patient registered', requestedKind: 'Requested bed kind', services: 'Services needed', urgency: 'Urgency', strategy: 'Strategy', summary: 'Clinical summary', careLevel: 'Care level (0–6)', consent: 'The patient or guardian consents',
    targets: 'Targets', candidates: 'Ranked candidates', create: 'Create and send', created: 'Referral sent', list: 'My referrals', deadline: 'Time left', expired: 'Expired',
    cancel: 'Cancel referral', startTransfer: 'Start transfer', cancelReason: 'Cancel reason', noTargets: 'Choose at least one target', target: 'Target', offers: 'Offers', detail: 'Details', audit: 'Audit',
  },
  inbox: {
    title: 'Inbox', pending: 'Offers to us', timeLeft: 'Time left', open: 'Open', accept: 'Accept', decline: 'Decline', pickBed: 'Pick a free bed', declineReason: 'Decline reason', declineText: 'Explanation (required for “Other”)',
    noBeds: 'We have no free bed', incoming: 'Arriving', confirm: 'Confirm admission', summary: 'Clinical summary', careLevel: 'Care level', services: 'Services', from: 'From', accepted: 'Accepted', declined: 'Declined', newArrived: 'A new referral arrived',
  },
  esc: { title: 'Escalations', reroute: 'Reroute', close: 'Close referral', targets: 'Reroute to', none: 'No escalated referrals' },
  journey: { title: 'Patient journey', patientId: 'Patient id', load: 'Show', derived: 'Derived from the referral history', none: 'No records' },
  audit: { title: 'Audit trail', referralId: 'Referral id', load: 'Show', verify: 'Verify hash chain', ok: 'Verified: the chain is intact', broken: 'Verification failed', seq: 'Seq', event: 'Event', actor: 'Actor', time: 'Time', hash: 'Hash', records: 'records' },
  errors: {
    VALIDATION_FAILED: 'Invalid input', INVALID_RESIDENT_ID: 'Invalid resident ID', UNAUTHENTICATED: 'Not logged in or the token expired', FORBIDDEN: 'Not allowed', DIRECTION_NOT_ALLOWED: 'This referral direction is not allowed', NOT_FOUND: 'Not found',
    REFERRAL_NOT_FOUND: 'Referral not found', OFFER_NOT_FOUND: 'Offer not found', BED_NOT_FOUND: 'Bed not found', INSTITUTION_NOT_FOUND: 'Institution not found', PATIENT_NOT_FOUND: 'Patient not found', COMMAND_NOT_FOUND: 'Command not found',
    INVALID_TRANSITION: 'Not possible in the current state', VERSION_CONFLICT: 'Changed by someone else, refresh', BED_ALREADY_RESERVED: 'The bed is already reserved', BED_NOT_AVAILABLE: 'The bed is not available', BED_KIND_MISMATCH: 'Wrong bed kind',
    BED_NOT_AT_TARGET: 'The bed is not at the target', PROGRAMME_FULL: 'The programme is full', PATIENT_HAS_LIVE_REFERRAL: 'The patient already has a live referral', PATIENT_ALREADY_REGISTERED: 'The patient is already registered', OFFER_ALREADY_EXTENDED: 'Already offered to this institution',
    CONSENT_REQUIRED: 'Consent is required', DECLINE_TEXT_REQUIRED: 'Please explain', CARE_GRADE_MISSING: 'Care grade assessment missing', CARE_GRADE_EXPIRED: 'Care grade assessment expired', CARE_GRADE_INELIGIBLE: 'Care grade ineligible',
    IDEMPOTENCY_KEY_REUSED: 'Duplicate submission', DATABASE_UNAVAILABLE: 'Database unavailable', QUEUE_UNAVAILABLE: 'Queue unavailable', COMMAND_FAILED: 'The command failed', RATE_LIMITED: 'Too many requests', PAYLOAD_TOO_LARGE: 'Too large',
    NETWORK: 'Network error', UNKNOWN: 'Unknown error',
  },
};

const TABLES: Record<Lang, unknown> = { 'zh-CN': zh, en };

function lookup(table: unknown, path: string[]): string | undefined {
  let cur: unknown = table;
  for (const p of path) {
    if (cur && typeof cur === 'object' && p in (cur as object)) cur = (cur as Record<string, unknown>)[p];
    else return undefined;
  }
  return typeof cur === 'string' ? cur : undefined;
}

/** t('nav.board'), t('errors.' + code); falls back to Chinese, then to the key itself. */
export function translator(lang: Lang) {
  return (key: string): string => lookup(TABLES[lang], key.split('.')) ?? lookup(zh, key.split('.')) ?? key;
}
export type T = ReturnType<typeof translator>;

/** Event names are stable English identifiers; show the translation when there is one. */
export const eventLabel = (t: T, type: string): string => {
  const s = t(`event.${type}`);
  return s === `event.${type}` ? type : s;
};
