import 'reflect-metadata';
import { loadConfig } from '@bedlink/config';
import { createDataSource, rebuildBedBoard, rebuildJourney } from '@bedlink/persistence';

/** npm run projections:rebuild: replays the event history into the read models. */
async function main(): Promise<void> {
  const ds = createDataSource(loadConfig().DATABASE_URL, 2);
  await ds.initialize();
  try {
    const n = await ds.transaction((em) => rebuildBedBoard(em));
    const j = await ds.transaction((em) => rebuildJourney(em));
    console.log(`bed board rebuilt from ${n} events; patient journeys from ${j} events`);
  } finally {
    await ds.destroy();
  }
}

main().catch((e) => {
  console.error(`rebuild failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
