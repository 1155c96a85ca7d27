import { ValidationPipe } from '@nestjs/common';
import { DomainError } from '@bedlink/domain';

/**
 * The one validation of request bodies: unknown fields refused, every message in one
 * VALIDATION_FAILED. Global for JSON bodies; routes that turn another format (CSV, a FHIR Bundle)
 * into a DTO run the same pipe on the result.
 */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const flat = (es: typeof errors, prefix = ''): string[] =>
        es.flatMap((e) => [...Object.values(e.constraints ?? {}).map((m) => `${prefix}${m}`), ...flat(e.children ?? [], `${prefix}${e.property}.`)]);
      return new DomainError('VALIDATION_FAILED', flat(errors).join('; ') || 'invalid request', { fields: errors.map((e) => e.property) });
    },
  });
}
