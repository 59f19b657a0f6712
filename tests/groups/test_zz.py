from tests.groups.test_pages import *  # noqa
def test_probe(superuser, org, germany):
    client = browser(superuser)
    for url, data in [(f"/groups/{germany['north'].pk}/move/", {"parent_id": germany["hamburg"].pk}),
                      (f"/groups/{germany['north'].pk}/delete/", {}),
                      (f"/groups/{germany['north'].pk}/rename/", {"title": "Nord", "version": 99}),
                      ("/groups/create/", {"organization_id": org.pk, "title": ""}),
                      (f"/groups/{germany['north'].pk}/move/", {"parent_id": "abc"})]:
        print(messages_of(client.post(url, data, follow=True)))
