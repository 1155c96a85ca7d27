import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { Response } from 'express';
import { ErrorFilter } from '../http/error.filter';
import { FHIR_JSON, toOperationOutcome } from './fhir-mappers';

/** FHIR routes answer errors as OperationOutcome, with the HTTP status from the one REST error map. */
@Catch()
export class FhirErrorFilter implements ExceptionFilter {
  private readonly rest = new ErrorFilter();
  private readonly log = new Logger('FHIR');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.rest.toResponse(exception);
    if (status >= 500 && status !== 503) this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (!res.headersSent)
      res
        .status(status)
        .type(FHIR_JSON)
        .send(JSON.stringify(toOperationOutcome(status, body)));
  }
}
