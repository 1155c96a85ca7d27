import { writeFileSync } from 'node:fs';
import { POLICY_SCHEMA } from '@bedlink/application';

/** Writes config/policy.schema.json (for editors) from the schema the engine validates with. */
writeFileSync('config/policy.schema.json', JSON.stringify(POLICY_SCHEMA, null, 2) + '\n');
console.log('config/policy.schema.json written');
