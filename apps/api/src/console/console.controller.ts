import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Controller, Get, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Response } from 'express';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { Public } from '../http/auth';

/** Where `npm run console:build` puts the web console (CONSOLE_DIR overrides, e.g. in an image). */
export const consoleDir = (cfg: Pick<EnvConfig, 'CONSOLE_DIR'>): string => resolve(cfg.CONSOLE_DIR ?? join(__dirname, '../../../console/dist'));

/**
 * The single-page console's fallback: its files are served by express.static (bootstrap.ts);
 * any other /console path is a client-side route, answered with index.html.
 */
@ApiExcludeController()
@Public()
@Controller()
export class ConsoleController {
  private readonly dir: string;
  constructor(@Inject(ENV_CONFIG) cfg: EnvConfig) {
    this.dir = consoleDir(cfg);
  }

  @Get(['console', 'console/*path'])
  index(@Res() res: Response): void {
    if (!existsSync(join(this.dir, 'index.html'))) throw new NotFoundException('the console is not built (npm run console:build)');
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile('index.html', { root: this.dir });
  }
}
