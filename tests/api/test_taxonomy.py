"""Categories, brands, attributes and their values, attribute groups and templates."""
from __future__ import annotations

import pytest

from synq_desktop.api import (
    CategoryWrite,
    ConflictError,
    InvalidError,
    NotFoundError,
    NotSupportedError,
    SynqClient,
)
from tests.api.conftest import Server

pytestmark = pytest.mark.anyio


async def test_categories(client: SynqClient, server: Server) -> None:
    root, _ = await client.create_category({"name": "Apparel", "slug": "apparel", "description": "Clothes"})
    child, _ = await client.create_category(CategoryWrite(name="Knitwear", slug="knitwear", parent_id=root.id))
    assert child.parent_id == root.id and root.parent_id is None
    sent = [entry for entry in server.api_requests() if entry["method"] == "POST"]
    assert len(sent) == 2
    listed = await client.list_categories().collect()
    assert [item.name for item in listed] == ["Apparel", "Knitwear"] and not listed.truncated

    with pytest.raises(ConflictError) as taken:
        await client.create_category({"name": "Other", "slug": "apparel"})
    assert taken.value.status == 409
    with pytest.raises(InvalidError) as bad:
        await client.create_category({"name": "Bad", "slug": "Not A Slug"})
    assert bad.value.status == 400 and bad.value.field_errors

    if server.docs_only:
        with pytest.raises(NotSupportedError):
            await client.update_category(child.id, {"name": "x"})
        with pytest.raises(NotSupportedError):
            await client.delete_category(child.id)
        return
    renamed, _ = await client.update_category(child.id, {"name": "Knits", "parent_id": None})
    assert renamed.name == "Knits" and renamed.parent_id is None
    moved, _ = await client.update_category(child.id, {"parentId": root.id})
    assert moved.parent_id == root.id
    with pytest.raises(InvalidError):  # a category made its own ancestor
        await client.update_category(root.id, {"parent_id": child.id})
    await client.delete_category(child.id)
    assert [item.id for item in await client.list_categories().collect()] == [root.id]


async def test_brands(client: SynqClient, server: Server) -> None:
    brand, _ = await client.create_brand({"name": "Acme", "logo_url": "https://cdn.example/acme.png"})
    assert brand.logo_url == "https://cdn.example/acme.png"
    assert [item.id for item in await client.list_brands().collect()] == [brand.id]
    with pytest.raises(ConflictError) as taken:  # the name is the natural key: one brand per name
        await client.create_brand({"name": "Acme"})
    assert taken.value.status == 409 and "Acme" in str(taken.value)
    assert [item.id for item in await client.find_brands("Acme")] == [brand.id]
    if server.docs_only:
        with pytest.raises(NotSupportedError):
            await client.update_brand(brand.id, {"name": "Acme 2"})
        return
    updated, _ = await client.update_brand(brand.id, {"description": "Tools", "logoUrl": None})
    assert updated.description == "Tools" and updated.logo_url is None
    await client.delete_brand(brand.id)
    with pytest.raises(NotFoundError):
        await client.delete_brand(brand.id)


async def test_attributes_groups_templates(client: SynqClient, server: Server) -> None:
    size, _ = await client.create_attribute({"name": "Size", "slug": "size", "type": "SELECT"})
    colour, _ = await client.create_attribute({"name": "Colour", "slug": "colour"})
    assert size.type == "SELECT" and colour.type == "TEXT"
    assert [item.name for item in await client.list_attributes().collect()] == ["Colour", "Size"]

    group_body: dict[str, object] = {"name": "Apparel attrs", "description": "d"}
    template_body: dict[str, object] = {"name": "Apparel"}
    if not server.docs_only:
        group_body["attribute_ids"] = [size.id, colour.id]
    group, _ = await client.create_attribute_group(group_body)
    if not server.docs_only:
        template_body |= {"attribute_group_ids": [group.id], "required_attribute_ids": [size.id]}
    template, _ = await client.create_template(template_body)
    assert [item.id for item in await client.list_attribute_groups().collect()] == [group.id]
    assert [item.id for item in await client.list_templates().collect()] == [template.id]

    if server.docs_only:
        for call in (
            client.update_attribute(size.id, {"name": "S"}),
            client.delete_attribute_group(group.id),
            client.update_template(template.id, {"name": "T"}),
            client.list_attribute_values(size.id).collect(),
            client.create_attribute_value(size.id, {"value": "M"}),
        ):
            with pytest.raises(NotSupportedError):
                await call
        return

    assert set(group.attribute_ids) == {size.id, colour.id}
    assert template.attribute_group_ids == [group.id] and template.required_attribute_ids == [size.id]
    renamed, _ = await client.update_attribute(size.id, {"name": "Größe"})
    assert renamed.name == "Größe"
    regrouped, _ = await client.update_attribute_group(group.id, {"attribute_ids": [size.id]})
    assert regrouped.attribute_ids == [size.id]
    retemplated, _ = await client.update_template(template.id, {"required_attribute_ids": []})
    assert retemplated.required_attribute_ids == []
    await client.delete_template(template.id)
    await client.delete_attribute_group(group.id)
    await client.delete_attribute(colour.id)
    assert [item.id for item in await client.list_attributes().collect()] == [size.id]


async def test_attribute_values_and_links(ext_client: SynqClient) -> None:
    client = ext_client
    size, _ = await client.create_attribute({"name": "Size", "slug": "size", "type": "SELECT"})
    medium = await client.create_attribute_value(size.id, {"value": "M", "slug": "m"})
    assert medium.value == "M" and medium.attribute_id == size.id
    assert [value.id for value in await client.list_attribute_values(size.id).collect()] == [medium.id]

    product, _ = await client.create_product({"title": "Tee"})
    variant, _ = await client.create_variant(product.id, {"sku": "TEE-M", "price": 10, "currency": "EUR"})
    link = await client.link_variant_attribute_value(variant.id, medium.id)
    assert link.attribute_value_id in (medium.id, None) or link.id == medium.id
    links = await client.list_variant_attribute_values(variant.id).collect()
    assert len(links) == 1
    refreshed, _ = await client.get_variant(variant.id)
    assert refreshed.option_values == {"size": "M"}
    await client.unlink_variant_attribute_value(variant.id, medium.id)
    assert len(await client.list_variant_attribute_values(variant.id).collect()) == 0

    material, _ = await client.create_attribute({"name": "Material", "slug": "material"})
    product_link = await client.link_product_attribute_value(product.id, attribute_id=material.id, value="Wool")
    assert product_link is not None
    product_links = await client.list_product_attribute_values(product.id).collect()
    assert len(product_links) == 1
    value_id = product_links.items[0].attribute_value_id or product_links.items[0].id
    assert value_id
    await client.unlink_product_attribute_value(product.id, value_id)
    assert len(await client.list_product_attribute_values(product.id).collect()) == 0
    with pytest.raises(InvalidError) as local:
        await client.link_product_attribute_value(product.id)
    assert local.value.status == 0
