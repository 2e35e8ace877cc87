import { defineCatalog } from '../../protocol/i18n.ts';

// Why the test environment (hub, nodes) could not start, and what to check.
export const environmentMessages = defineCatalog(
  {
    hubStart: 'the embedded reference hub did not start: {reason}',
    'hubStart.hint': 'check that the temporary folder is writable and that npm ci completed (better-sqlite3 is built during install)',
    hubUnreachable: 'the hub at {url} could not be reached ({code})',
    'hubUnreachable.hint': 'check the URL, the network (VPN, firewall, proxy) and that hub.ca in the config file is the CA of the hub’s TLS certificate',
    nodesStart: 'the mock nodes could not start or register at the hub: {reason}',
    'nodesStart.hint': 'check that ports {portBase} and up are free, and that the operator credentials may register nodes and keys',
  },
  {
    hubStart: 'встроенный эталонный хаб не запустился: {reason}',
    'hubStart.hint': 'проверьте, что временная папка доступна для записи и что npm ci завершился (better-sqlite3 собирается при установке)',
    hubUnreachable: 'хаб по адресу {url} недоступен ({code})',
    'hubUnreachable.hint': 'проверьте URL, сеть (VPN, межсетевой экран, прокси) и что hub.ca в файле конфигурации — сертификат УЦ, выпустившего TLS-сертификат хаба',
    nodesStart: 'имитирующие узлы не удалось запустить или зарегистрировать на хабе: {reason}',
    'nodesStart.hint': 'проверьте, что порты начиная с {portBase} свободны и что учётные данные оператора позволяют регистрировать узлы и ключи',
  },
);

export type EnvironmentMessageKey = 'hubStart' | 'hubUnreachable' | 'nodesStart';
