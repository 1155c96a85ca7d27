import { HTMLAttributes, ReactNode } from 'react';
import { ErrorBox, Loading } from './feedback';

/** A card's first line: what it is on the left, its state (or time left) on the right. */
export function CardHeader({ title, children }: { title: ReactNode; children: ReactNode }) {
  return (
    <div className="row between">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** A loaded list of cards: its error, "loading" or "empty", else the cards. Other props go to the <ul>. */
export function CardList({
  query,
  empty,
  children,
  ...rest
}: { query: { error: unknown; loading: boolean }; empty: boolean; children: ReactNode } & HTMLAttributes<HTMLUListElement>) {
  return (
    <>
      <ErrorBox error={query.error} />
      <Loading loading={query.loading} empty={empty}>
        <ul className="cards" {...rest}>
          {children}
        </ul>
      </Loading>
    </>
  );
}

/** A table head of column titles. */
export function Head({ columns }: { columns: ReactNode[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) => (
          <th scope="col" key={i}>
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
