import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Controller, Get, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Response } from 'express';
import { Public } from '../http/auth';

/** Where `npm run console:build` puts the web console (CONSOLE_DIR overrides, e.g. in an image). */
export const CONSOLE_DIR = resolve(process.env.CONSOLE_DIR ?? join(__dirname, '../../../console/dist'));
export const consoleBuilt = (): boolean => existsSync(join(CONSOLE_DIR, 'index.html'));

/**
 * The single-page console's fallback: its files are served by express.static (bootstrap.ts);
 * any other /console path is a client-side route, answered with index.html.
 */
@ApiExcludeController()
@Public()
@Controller()
export class ConsoleController {
  @Get(['console', 'console/*path'])
  index(@Res() res: Response): void {
    if (!consoleBuilt()) throw new NotFoundException('the console is not built (npm run console:build)');
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile('index.html', { root: CONSOLE_DIR });
  }
}
